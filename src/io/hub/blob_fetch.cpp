// Locked, resumable, verified downloads of one file; see blob_fetch.h.
#include "io/hub/blob_fetch.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "core/format.h"
#include "core/log.h"
#include "io/hub/digest.h"

namespace llmcp::io::hub {
namespace fs = std::filesystem;
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// One GET of the rest of the file, appended to the .incomplete file. Returns the bytes received.
uint64_t get_rest(HubApi& api, HttpClient& http, const BlobTarget& t, const BytesCallback& on_bytes,
                  const std::atomic<bool>* cancel) {
  uint64_t have = size_or_zero(t.incomplete_path);
  if (have > t.size) {  // longer than the file can be: start over
    fs::remove(t.incomplete_path);
    have = 0;
  }
  if (have == t.size && t.size > 0) return 0;
  std::unique_ptr<std::FILE, FileCloser> out(std::fopen(t.incomplete_path.c_str(), "ab"));
  LLMCP_CHECK(out != nullptr, kIo, "cannot write ", t.incomplete_path.string(), ": ", std::strerror(errno));
  uint64_t received = 0;
  std::string write_error;
  HttpRequest req;
  req.url = t.url;
  req.headers = api.headers_for(t.url);
  req.follow_redirects = true;
  req.range_from = have;
  req.connect_timeout_s = req.stall_timeout_s = api.env().download_timeout_s;
  req.cancel = cancel;
  req.on_response = [&](long status, const std::map<std::string, std::string>&) {
    if (status == 200 && have > 0) {  // the server ignored the Range: take the whole body from the start
      LLMCP_CHECK(::ftruncate(::fileno(out.get()), 0) == 0, kIo, "cannot truncate ", t.incomplete_path.string());
      std::fseek(out.get(), 0, SEEK_SET);
      on_bytes(-static_cast<int64_t>(have));  // takes back what was counted as resumed
      have = 0;
    }
  };
  req.on_body = [&](const char* data, size_t n) {
    if (!write_error.empty()) return;
    if (std::fwrite(data, 1, n, out.get()) != n) {
      write_error = std::strerror(errno);
      return;
    }
    received += n;
    on_bytes(static_cast<int64_t>(n));
  };
  const auto r = http.perform(req);
  const bool flushed = std::fflush(out.get()) == 0 && ::fsync(::fileno(out.get())) == 0;
  LLMCP_CHECK(write_error.empty() && flushed, kIo, "cannot write ", t.incomplete_path.string(), " (",
              write_error.empty() ? std::strerror(errno) : write_error, "); ", core::format_bytes(size_or_zero(t.incomplete_path)),
              " are kept there and the next run continues from them once there is room");
  if (r.status == 416) {  // the range starts past the end: what we have is not a prefix of this file
    fs::remove(t.incomplete_path);
    throw TransportError("the server refused to continue " + t.path + " where the last run stopped; starting over", true);
  }
  if (r.status >= 400) throw_hub_error(r, api.env(), "", t.path);
  return received;
}

}  // namespace

uint64_t size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto s = fs::file_size(p, ec);
  return ec ? 0 : s;
}

void backoff(const RetryPolicy& retry, int attempt, const std::atomic<bool>* cancel) {
  const long wait_ms = std::min<long>(8000, retry.first_backoff_ms << (attempt - 1));
  for (long slept = 0; slept < wait_ms; slept += 50) {
    if (cancel && cancel->load()) throw Cancelled();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

FileLock::FileLock(const fs::path& path) {
  fs::create_directories(path.parent_path());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  LLMCP_CHECK(fd_ >= 0, kIo, "cannot open the lock file ", path.string(), ": ", std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    LLMCP_CHECK(errno == EINTR, kIo, "cannot lock ", path.string(), ": ", std::strerror(errno));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

bool blob_matches(const fs::path& path, const std::string& etag, uint64_t size) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || size_or_zero(path) != size) return false;
  return file_digest(path, digest_kind_of_etag(etag)) == etag;
}

uint64_t fetch_blob(HubApi& api, HttpClient& http, const BlobTarget& t, const RetryPolicy& retry,
                    const BytesCallback& on_bytes, const std::atomic<bool>* cancel) {
  FileLock lock(t.lock_path);
  std::error_code ec;
  if (fs::is_regular_file(t.final_path, ec) && size_or_zero(t.final_path) == t.size) {  // another process made it
    on_bytes(static_cast<int64_t>(t.size));
    return 0;
  }
  fs::create_directories(t.incomplete_path.parent_path());
  on_bytes(static_cast<int64_t>(std::min(size_or_zero(t.incomplete_path), t.size)));  // resumed bytes count as done
  uint64_t downloaded = 0;
  bool corrupt_once = false;
  for (int attempt = 1;; ++attempt) {
    try {
      downloaded += get_rest(api, http, t, on_bytes, cancel);
      const uint64_t got = size_or_zero(t.incomplete_path);
      if (got != t.size) throw TransportError(t.path + ": received " + std::to_string(got) + " of " +
                                                  std::to_string(t.size) + " bytes", true);
      const std::string digest = file_digest(t.incomplete_path, digest_kind_of_etag(t.etag));
      if (digest != t.etag) {
        fs::remove(t.incomplete_path);
        on_bytes(-static_cast<int64_t>(got));
        LLMCP_CHECK(!corrupt_once, kMalformedFile, t.path, " arrived twice with the wrong checksum (",
                    digest_kind_of_etag(t.etag) == DigestKind::kSha256 ? "sha256 " : "git blob id ", digest,
                    ", expected ", t.etag, "); nothing was kept. Is a proxy altering downloads?");
        corrupt_once = true;
        core::log_warn(t.path, " arrived with the wrong checksum: downloading it again");
        --attempt;
        continue;
      }
      fs::rename(t.incomplete_path, t.final_path, ec);
      LLMCP_CHECK(!ec, kIo, "cannot move ", t.incomplete_path.string(), " into place: ", ec.message());
      return downloaded;
    } catch (const TransportError& e) {
      if (!e.transient() || attempt >= retry.attempts) throw;
      core::log_warn(t.path, ": ", e.what(), "; retrying (attempt ", attempt + 1, " of ", retry.attempts, ")");
      backoff(retry, attempt, cancel);
    }
  }
}

}  // namespace llmcp::io::hub
