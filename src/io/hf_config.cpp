// config.json / generation_config.json readers with type checks that name the offending key.
#include "io/hf_config.h"

#include <cmath>
#include <limits>

#include "core/atomic_file.h"
#include "core/error.h"

namespace llmcp::io {
namespace {
nlohmann::json parse_json_file(const std::filesystem::path& path) {
  auto j = nlohmann::json::parse(core::read_file(path), nullptr, /*allow_exceptions=*/false);
  LLMCP_CHECK(!j.is_discarded(), kMalformedFile, path.string(), " is not valid JSON");
  LLMCP_CHECK(j.is_object(), kMalformedFile, path.string(), " must contain a JSON object");
  return j;
}

std::vector<int64_t> int_list(const nlohmann::json& v, const std::string& key, const std::string& source) {
  std::vector<int64_t> out;
  if (v.is_null()) return out;
  if (v.is_number_integer()) return {v.get<int64_t>()};
  LLMCP_CHECK(v.is_array(), kMalformedFile, source, ": '", key, "' must be an integer or a list of integers");
  for (const auto& e : v) {
    LLMCP_CHECK(e.is_number_integer(), kMalformedFile, source, ": '", key, "' must contain integers");
    out.push_back(e.get<int64_t>());
  }
  return out;
}
}  // namespace

HfConfig HfConfig::load(const std::filesystem::path& model_dir) {
  auto path = model_dir / "config.json";
  LLMCP_CHECK(std::filesystem::exists(path), kNotFound, "no config.json in '", model_dir.string(),
              "': is this a Hugging Face model folder?");
  return from_json(parse_json_file(path), path.string());
}

HfConfig HfConfig::from_json(nlohmann::json j, std::string source) {
  HfConfig c;
  c.j_ = std::move(j);
  c.source_ = std::move(source);
  return c;
}

std::string HfConfig::architecture() const {
  LLMCP_CHECK(j_.contains("architectures") && j_["architectures"].is_array() && !j_["architectures"].empty() &&
                  j_["architectures"][0].is_string(),
              kMalformedFile, source_, ": missing \"architectures\" (e.g. [\"LlamaForCausalLM\"])");
  return j_["architectures"][0].get<std::string>();
}

int64_t HfConfig::get_int(const std::string& key) const {
  LLMCP_CHECK(has(key), kMalformedFile, source_, ": required key '", key, "' is missing");
  return get_int(key, 0);
}

int64_t HfConfig::get_int(const std::string& key, int64_t fallback) const {
  if (!has(key)) return fallback;
  const auto& v = j_[key];
  if (v.is_number_float()) {
    double d = v.get<double>();
    LLMCP_CHECK(std::floor(d) == d && std::fabs(d) < 9.0e18, kMalformedFile, source_, ": '", key,
                "' must be an integer, got ", d);
    return static_cast<int64_t>(d);
  }
  if (v.is_number_unsigned())
    LLMCP_CHECK(v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), kMalformedFile,
                source_, ": '", key, "' is too large: ", v.dump());
  LLMCP_CHECK(v.is_number_integer(), kMalformedFile, source_, ": '", key, "' must be an integer, got ", v.dump());
  return v.get<int64_t>();
}

double HfConfig::get_double(const std::string& key, double fallback) const {
  if (!has(key)) return fallback;
  LLMCP_CHECK(j_[key].is_number(), kMalformedFile, source_, ": '", key, "' must be a number, got ", j_[key].dump());
  return j_[key].get<double>();
}

bool HfConfig::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  LLMCP_CHECK(j_[key].is_boolean(), kMalformedFile, source_, ": '", key, "' must be true or false");
  return j_[key].get<bool>();
}

std::string HfConfig::get_string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  LLMCP_CHECK(j_[key].is_string(), kMalformedFile, source_, ": '", key, "' must be a string");
  return j_[key].get<std::string>();
}

std::vector<int64_t> HfConfig::get_int_list(const std::string& key) const {
  return has(key) ? int_list(j_[key], key, source_) : std::vector<int64_t>{};
}

GenerationDefaults load_generation_defaults(const std::filesystem::path& model_dir) {
  GenerationDefaults g;
  auto path = model_dir / "generation_config.json";
  if (!std::filesystem::exists(path)) return g;
  auto c = HfConfig::from_json(parse_json_file(path), path.string());
  auto opt_d = [&](const char* k) { return c.has(k) ? std::optional<double>(c.get_double(k, 0)) : std::nullopt; };
  auto opt_i = [&](const char* k) { return c.has(k) ? std::optional<int64_t>(c.get_int(k)) : std::nullopt; };
  g.temperature = opt_d("temperature");
  g.top_p = opt_d("top_p");
  g.min_p = opt_d("min_p");
  g.repetition_penalty = opt_d("repetition_penalty");
  g.top_k = opt_i("top_k");
  g.max_new_tokens = opt_i("max_new_tokens");
  if (c.has("do_sample")) g.do_sample = c.get_bool("do_sample", false);
  g.eos_token_ids = c.get_int_list("eos_token_id");
  g.bos_token_id = opt_i("bos_token_id");
  g.pad_token_id = opt_i("pad_token_id");
  return g;
}

}  // namespace llmcp::io
