// Opening safetensors files (mmap + parse) and writing them (streaming, atomic).
#include "io/safetensors.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace llmcp::io {

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  auto f = std::make_shared<SafetensorsFile>();
  f->file_ = MappedFile::open(path);
  f->parsed_ = parse_safetensors({f->file_->data(), f->file_->size()}, path.string());
  for (size_t i = 0; i < f->parsed_.tensors.size(); ++i) f->index_[f->parsed_.tensors[i].name] = i;
  return f;
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &parsed_.tensors[it->second];
}

const TensorView& SafetensorsFile::at(const std::string& name) const {
  const TensorView* v = find(name);
  LLMCP_CHECK(v != nullptr, kNotFound, "tensor '", name, "' is not in ", path().string());
  return *v;
}

size_t TensorSpec::nbytes() const {
  size_t n = core::dtype_size(dtype);
  for (auto d : shape) n *= static_cast<size_t>(d);
  return n;
}

SafetensorsWriter::SafetensorsWriter(const std::filesystem::path& path, std::vector<TensorSpec> specs,
                                     const Metadata& metadata)
    : file_(path), specs_(std::move(specs)) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  size_t offset = 0;
  for (const auto& s : specs_) {
    LLMCP_CHECK(s.name != "__metadata__" && !header.contains(s.name), kInvalidArgument,
                "duplicate or reserved tensor name '", s.name, "'");
    for (auto d : s.shape) LLMCP_CHECK(d >= 0, kInvalidArgument, "negative dimension in '", s.name, "'");
    size_t n = s.nbytes();
    header[s.name] = {{"dtype", std::string(core::dtype_name(s.dtype))},
                      {"shape", s.shape},
                      {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // align the data section to 8 bytes
  uint64_t len = text.size();
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(len >> (8 * i));
  file_.write(le, 8);
  file_.write(text);
  while (next_ < specs_.size() && specs_[next_].nbytes() == 0) ++next_;
}

void SafetensorsWriter::write(const std::string& name, const void* data, size_t nbytes) {
  if (nbytes == 0) return;  // empty tensors have no bytes; their specs are skipped
  LLMCP_CHECK(next_ < specs_.size(), kInternal, "tensor '", name, "' written after all specs");
  const TensorSpec& s = specs_[next_];
  LLMCP_CHECK(s.name == name, kInternal, "tensor '", name, "' written out of order; expected '", s.name, "'");
  LLMCP_CHECK(written_ + nbytes <= s.nbytes(), kInternal, "too many bytes for tensor '", name, "'");
  file_.write(data, nbytes);
  written_ += nbytes;
  if (written_ == s.nbytes()) {
    written_ = 0;
    ++next_;
    while (next_ < specs_.size() && specs_[next_].nbytes() == 0) ++next_;
  }
}

void SafetensorsWriter::commit() {
  LLMCP_CHECK(next_ == specs_.size(), kInternal, "safetensors writer committed before tensor '",
              specs_[next_].name, "' was written");
  file_.commit();
}

void save_safetensors(const std::filesystem::path& path, const std::vector<TensorData>& tensors,
                      const Metadata& metadata) {
  std::vector<TensorSpec> specs;
  for (const auto& t : tensors) specs.push_back(t.spec);
  SafetensorsWriter w(path, specs, metadata);
  for (const auto& t : tensors) w.write(t.spec.name, t.data, t.spec.nbytes());
  w.commit();
}

}  // namespace llmcp::io
