// safetensors files: a strict, torch-free parser handing out zero-copy typed views, and a
// streaming atomic writer. Format: u64 little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/dtype.h"
#include "io/mapped_file.h"

namespace llmcp::io {

using Metadata = std::map<std::string, std::string>;

struct TensorView {
  std::string name;
  core::DType dtype;
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;  // points into the file's bytes; valid while the file lives
  size_t nbytes = 0;

  int64_t numel() const;
};

// Parses and validates a whole safetensors image held in memory. `source` names it in errors.
// Views point into `bytes`, which must outlive the result.
struct ParsedSafetensors {
  std::vector<TensorView> tensors;  // in file (offset) order
  Metadata metadata;
};
ParsedSafetensors parse_safetensors(std::span<const std::byte> bytes, const std::string& source);

class SafetensorsFile {
 public:
  static std::shared_ptr<const SafetensorsFile> open(const std::filesystem::path& path);

  const std::vector<TensorView>& tensors() const { return parsed_.tensors; }
  const Metadata& metadata() const { return parsed_.metadata; }
  const TensorView* find(const std::string& name) const;
  const TensorView& at(const std::string& name) const;  // throws kNotFound naming the file
  const std::filesystem::path& path() const { return file_->path(); }

 private:
  std::shared_ptr<const MappedFile> file_;
  ParsedSafetensors parsed_;
  std::map<std::string, size_t> index_;
};

struct TensorSpec {
  std::string name;
  core::DType dtype;
  std::vector<int64_t> shape;
  size_t nbytes() const;
};

// Streaming writer: the header is written first from the specs, then each tensor's bytes in
// spec order, so a 7B model is written without holding it in memory twice. Atomic on commit().
class SafetensorsWriter {
 public:
  SafetensorsWriter(const std::filesystem::path& path, std::vector<TensorSpec> specs,
                    const Metadata& metadata = {});
  // Appends the next tensor's bytes (or a part of them); names are checked against the specs.
  void write(const std::string& name, const void* data, size_t nbytes);
  void commit();  // throws if some tensor was not fully written

 private:
  core::AtomicFile file_;
  std::vector<TensorSpec> specs_;
  size_t next_ = 0;         // index of the tensor being written
  size_t written_ = 0;      // bytes written of specs_[next_]
};

struct TensorData {
  TensorSpec spec;
  const void* data;
};
void save_safetensors(const std::filesystem::path& path, const std::vector<TensorData>& tensors,
                      const Metadata& metadata = {});

}  // namespace llmcp::io
