// Atomic file writes: write to a temp file beside the target, fsync, rename. A crash or a full
// disk leaves either the old file or the new one, never a torn one.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace llmcp::core {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();  // removes the temp file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view s) { write(s.data(), s.size()); }
  // fsync + rename over the target; errors (disk full) throw and keep the old file.
  void commit();

 private:
  std::filesystem::path target_, temp_;
  std::FILE* file_ = nullptr;
};

// Convenience for small text files (configs, JSON).
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);
std::string read_file(const std::filesystem::path& path);

}  // namespace llmcp::core
