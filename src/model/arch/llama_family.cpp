// config.json <-> DecoderConfig for Llama-style models (Llama, Mistral, Mixtral's attention and
// norms), and rope_scaling (linear, dynamic, llama3) in both the old "type" and new
// "rope_type"/"rope_parameters" spellings, which Falcon shares.
#include "model/arch/llama_family.h"

#include <optional>

#include "core/error.h"

namespace llmcp::model::arch {

RopeConfig parse_rope(const io::HfConfig& hf) {
  RopeConfig r;
  const auto& j = hf.json();
  nlohmann::json scaling = j.contains("rope_scaling") ? j["rope_scaling"] : nlohmann::json();
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) scaling = j["rope_parameters"];
  r.theta = hf.get_double("rope_theta", 10000.0);
  if (!scaling.is_object()) {
    LLMCP_CHECK(scaling.is_null(), kMalformedFile, hf.source(), ": rope_scaling must be an object or null");
    return r;
  }
  auto num = [&](const char* key, std::optional<double> fallback) {
    if (!scaling.contains(key) || scaling[key].is_null()) {
      LLMCP_CHECK(fallback.has_value(), kMalformedFile, hf.source(), ": rope_scaling.", key, " is required");
      return *fallback;
    }
    LLMCP_CHECK(scaling[key].is_number(), kMalformedFile, hf.source(), ": rope_scaling.", key, " must be a number");
    return scaling[key].get<double>();
  };
  auto text = [&](const char* key) -> std::optional<std::string> {
    if (!scaling.contains(key) || scaling[key].is_null()) return std::nullopt;
    LLMCP_CHECK(scaling[key].is_string(), kMalformedFile, hf.source(), ": rope_scaling.", key, " must be a string");
    return scaling[key].get<std::string>();
  };
  if (scaling.contains("rope_theta")) r.theta = num("rope_theta", std::nullopt);
  std::string type = text("rope_type").value_or(text("type").value_or("default"));
  r.factor = num("factor", 1.0);
  if (type == "default") {
    r.scaling = RopeScaling::kNone;
  } else if (type == "linear") {
    r.scaling = RopeScaling::kLinear;
  } else if (type == "dynamic") {
    r.scaling = RopeScaling::kDynamic;  // HF grows the base past max_position_embeddings
  } else if (type == "llama3") {
    r.scaling = RopeScaling::kLlama3;
    r.low_freq_factor = num("low_freq_factor", 1.0);
    r.high_freq_factor = num("high_freq_factor", 4.0);
    r.original_max_position = static_cast<int64_t>(num("original_max_position_embeddings", std::nullopt));
  } else {
    LLMCP_FAIL(kUnsupported, hf.source(), ": rope_scaling type '", type,
               "' is not supported (supported: default, linear, dynamic, llama3)");
  }
  return r;
}

nlohmann::ordered_json rope_scaling_json(const RopeConfig& rope) {
  switch (rope.scaling) {
    case RopeScaling::kNone: return nullptr;
    case RopeScaling::kLinear: return {{"factor", rope.factor}, {"rope_type", "linear"}};
    case RopeScaling::kDynamic: return {{"factor", rope.factor}, {"rope_type", "dynamic"}};
    case RopeScaling::kLlama3:
      return {{"factor", rope.factor},
              {"high_freq_factor", rope.high_freq_factor},
              {"low_freq_factor", rope.low_freq_factor},
              {"original_max_position_embeddings", rope.original_max_position},
              {"rope_type", "llama3"}};
  }
  return nullptr;
}

DecoderConfig parse_llama_like(const io::HfConfig& hf, int64_t default_max_position) {
  DecoderConfig c;
  c.architecture = hf.architecture();
  std::string act = hf.get_string("hidden_act", "silu");
  LLMCP_CHECK(act == "silu", kUnsupported, hf.source(), ": hidden_act '", act, "' is not supported for ",
              c.architecture, " (expected silu)");
  c.vocab_size = hf.get_int("vocab_size");
  c.hidden_size = hf.get_int("hidden_size");
  c.intermediate_size = hf.get_int("intermediate_size");
  c.num_layers = hf.get_int("num_hidden_layers");
  c.num_heads = hf.get_int("num_attention_heads");
  c.num_kv_heads = hf.get_int("num_key_value_heads", c.num_heads);
  LLMCP_CHECK(c.num_heads > 0, kMalformedFile, hf.source(), ": num_attention_heads must be positive");
  c.head_dim = hf.get_int("head_dim", c.hidden_size / c.num_heads);
  c.max_position = hf.get_int("max_position_embeddings", default_max_position);
  c.norm_eps = hf.get_double("rms_norm_eps", 1e-6);
  c.norm = NormKind::kRmsNorm;
  c.mlp = MlpKind::kGatedSilu;
  c.rope = parse_rope(hf);
  c.attention_bias = hf.get_bool("attention_bias", false);
  c.mlp_bias = hf.get_bool("mlp_bias", false);
  c.tie_word_embeddings = hf.get_bool("tie_word_embeddings", false);
  c.torch_dtype = hf.get_string("torch_dtype", hf.get_string("dtype", "float32"));
  if (hf.has("bos_token_id")) c.bos_token_id = hf.get_int("bos_token_id");
  if (hf.has("pad_token_id")) c.pad_token_id = hf.get_int("pad_token_id");
  c.eos_token_ids = hf.get_int_list("eos_token_id");
  return c;
}

nlohmann::ordered_json write_llama_like(const DecoderConfig& c, const std::string& model_type) {
  nlohmann::ordered_json j;
  j["architectures"] = {c.architecture};
  j["attention_bias"] = c.attention_bias;
  j["attention_dropout"] = 0.0;
  if (c.bos_token_id) j["bos_token_id"] = *c.bos_token_id;
  if (c.eos_token_ids.size() == 1) j["eos_token_id"] = c.eos_token_ids[0];
  else if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids;
  j["head_dim"] = c.head_dim;
  j["hidden_act"] = "silu";
  j["hidden_size"] = c.hidden_size;
  j["initializer_range"] = 0.02;
  j["intermediate_size"] = c.intermediate_size;
  j["max_position_embeddings"] = c.max_position;
  if (model_type == "llama") j["mlp_bias"] = c.mlp_bias;
  j["model_type"] = model_type;
  j["num_attention_heads"] = c.num_heads;
  j["num_hidden_layers"] = c.num_layers;
  j["num_key_value_heads"] = c.num_kv_heads;
  if (c.pad_token_id) j["pad_token_id"] = *c.pad_token_id;
  j["rms_norm_eps"] = c.norm_eps;
  j["rope_scaling"] = rope_scaling_json(c.rope);
  j["rope_theta"] = c.rope.theta;
  if (model_type != "llama") j["sliding_window"] = c.sliding_window ? nlohmann::json(*c.sliding_window) : nlohmann::json();
  write_common_keys(c, j);
  return j;
}

void write_common_keys(const DecoderConfig& c, nlohmann::ordered_json& j) {
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["torch_dtype"] = c.torch_dtype;
  j["transformers_version"] = "4.46.0";
  j["use_cache"] = true;
  j["vocab_size"] = c.vocab_size;
}

std::string mistral_chat_template(const HasToken& has) {
  return has("[TOOL_CALLS]") ? "mistral-v3-tools" : "mistral-v0.1";
}

}  // namespace llmcp::model::arch
