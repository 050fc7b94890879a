// Read-only memory map of a whole file, shared by every view into it. Weights stay on disk
// pages until touched, so opening a 7B checkpoint costs no copy.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

namespace llmcp::io {

class MappedFile {
 public:
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  MappedFile() = default;
  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Tells the kernel the mapped bytes [data, data+size) are no longer needed, so they stop counting
// against the process's memory (they are re-read from the file if touched again). Used after a
// tensor has been copied out, so loading a 13 GB checkpoint does not hold 26 GB resident.
void drop_mapped_pages(const void* data, size_t size);

}  // namespace llmcp::io
