// A model folder's weights: one model.safetensors, or shards listed in
// model.safetensors.index.json. Lookup by tensor name across shards, zero-copy.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/safetensors.h"

namespace llmcp::io {

class Checkpoint {
 public:
  // Opens <dir>/model.safetensors.index.json if present, else <dir>/model.safetensors.
  static Checkpoint open(const std::filesystem::path& dir);

  const TensorView* find(const std::string& name) const;
  const TensorView& at(const std::string& name) const;  // kNotFound naming the folder
  std::vector<std::string> names() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> index_;
};

}  // namespace llmcp::io
