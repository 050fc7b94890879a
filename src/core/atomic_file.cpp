// Temp-file + fsync + rename writer; read helper with clear errors.
#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"

namespace llmcp::core {

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  std::random_device rd;
  temp_ = target_;
  temp_ += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  if (target_.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(target_.parent_path(), ec);
  }
  file_ = std::fopen(temp_.c_str(), "wb");
  LLMCP_CHECK(file_ != nullptr, kIo, "cannot create '", temp_.string(), "': ", std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void AtomicFile::write(const void* data, size_t size) {
  LLMCP_CHECK(file_ != nullptr, kInternal, "write after commit to '", target_.string(), "'");
  if (size == 0) return;
  size_t n = std::fwrite(data, 1, size, file_);
  LLMCP_CHECK(n == size, kIo, "writing '", target_.string(), "' failed: ", std::strerror(errno),
              " (is the disk full?); the previous file, if any, is unchanged");
}

void AtomicFile::commit() {
  LLMCP_CHECK(file_ != nullptr, kInternal, "double commit of '", target_.string(), "'");
  bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  int err = errno;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
    LLMCP_FAIL(kIo, "writing '", target_.string(), "' failed: ", std::strerror(err),
               " (is the disk full?); the previous file, if any, is unchanged");
  }
  std::error_code ec;
  std::filesystem::rename(temp_, target_, ec);
  if (ec) {
    std::filesystem::remove(temp_, ec);
    LLMCP_FAIL(kIo, "cannot rename into '", target_.string(), "': ", ec.message());
  }
  // Make the rename itself durable.
  auto dir = target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
  AtomicFile f(path);
  f.write(contents);
  f.commit();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  LLMCP_CHECK(in.good(), kNotFound, "cannot open '", path.string(), "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace llmcp::core
