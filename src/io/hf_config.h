// Hugging Face model-folder JSON files: config.json (typed getters with errors naming the key)
// and generation_config.json (sampling defaults). Mapping onto our decoder lives in model/arch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::io {

class HfConfig {
 public:
  static HfConfig load(const std::filesystem::path& model_dir);  // reads <dir>/config.json
  static HfConfig from_json(nlohmann::json j, std::string source);

  // The first entry of "architectures" (e.g. "LlamaForCausalLM"); error when absent.
  std::string architecture() const;
  const nlohmann::json& json() const { return j_; }
  const std::string& source() const { return source_; }

  bool has(const std::string& key) const { return j_.contains(key) && !j_[key].is_null(); }
  int64_t get_int(const std::string& key) const;  // required
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_double(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  // An int or a list of ints (eos_token_id may be either); empty when absent.
  std::vector<int64_t> get_int_list(const std::string& key) const;

 private:
  nlohmann::json j_;
  std::string source_;
};

struct GenerationDefaults {
  std::optional<double> temperature, top_p, min_p, repetition_penalty;
  std::optional<int64_t> top_k, max_new_tokens;
  std::optional<bool> do_sample;
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> bos_token_id, pad_token_id;
};
// Reads <dir>/generation_config.json; all fields empty when the file is absent.
GenerationDefaults load_generation_defaults(const std::filesystem::path& model_dir);

}  // namespace llmcp::io
