// Resolves sharded checkpoints: validates the index against the shards it names.
#include "io/checkpoint.h"

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace llmcp::io {

Checkpoint Checkpoint::open(const std::filesystem::path& dir) {
  Checkpoint c;
  c.dir_ = dir;
  auto index_path = dir / "model.safetensors.index.json";
  auto single = dir / "model.safetensors";
  if (std::filesystem::exists(index_path)) {
    auto j = nlohmann::json::parse(core::read_file(index_path), nullptr, false);
    LLMCP_CHECK(!j.is_discarded() && j.is_object() && j.contains("weight_map") && j["weight_map"].is_object(),
                kMalformedFile, index_path.string(), ": expected a JSON object with a 'weight_map' object");
    std::map<std::string, size_t> shard_of_file;
    std::map<std::string, std::string> wanted;  // tensor -> shard
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      LLMCP_CHECK(it->is_string(), kMalformedFile, index_path.string(), ": weight_map['", it.key(),
                  "'] is not a file name");
      std::string shard = it->get<std::string>();
      LLMCP_CHECK(!shard.empty() && shard.find('/') == std::string::npos && shard != "." && shard != "..",
                  kMalformedFile,
                  index_path.string(), ": shard name '", shard, "' must be a plain file name");
      wanted[it.key()] = shard;
      if (!shard_of_file.count(shard)) {
        LLMCP_CHECK(std::filesystem::exists(dir / shard), kNotFound, "shard '", shard, "' listed in ",
                    index_path.string(), " is missing; download the complete checkpoint");
        shard_of_file[shard] = c.files_.size();
        c.files_.push_back(SafetensorsFile::open(dir / shard));
      }
    }
    for (const auto& [name, shard] : wanted) {
      const TensorView* v = c.files_[shard_of_file[shard]]->find(name);
      LLMCP_CHECK(v != nullptr, kMalformedFile, "tensor '", name, "' is listed in ", index_path.string(),
                  " under '", shard, "' but that shard does not contain it");
      c.index_[name] = v;
    }
  } else {
    LLMCP_CHECK(std::filesystem::exists(single), kNotFound, "no model.safetensors or model.safetensors.index.json in '",
                dir.string(), "' (only safetensors checkpoints are supported)");
    c.files_.push_back(SafetensorsFile::open(single));
    for (const auto& t : c.files_[0]->tensors()) c.index_[t.name] = &t;
  }
  return c;
}

const TensorView* Checkpoint::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

const TensorView& Checkpoint::at(const std::string& name) const {
  const TensorView* v = find(name);
  LLMCP_CHECK(v != nullptr, kNotFound, "weight '", name, "' is missing from the checkpoint in '", dir_.string(),
              "' (does the checkpoint belong to this architecture?)");
  return *v;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : index_) out.push_back(k);
  return out;
}

}  // namespace llmcp::io
