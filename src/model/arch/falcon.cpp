// Falcon: FalconForCausalLM (the in-library format) and RWForCausalLM (the custom-code configs
// falcon-7b/40b were published with). LayerNorm with bias, exact GELU MLP (dense_h_to_4h,
// dense_4h_to_h), one fused query_key_value, rotary positions, tied embeddings by default, and
// the block layouts of HF's FalconDecoderLayer:
//   new_decoder_architecture (40b): grouped KV heads, parallel block, ln_attn + ln_mlp
//     (num_ln_in_parallel_attn 2, the default) or one input_layernorm (1);
//   otherwise (7b): multi_query (one KV head) or one KV head per query head; parallel_attn with
//     one input_layernorm, or a sequential block with post_attention_layernorm.
// A legacy RW config has new_decoder_architecture exactly when it has n_head_kv (what
// transformers' convert_custom_code_checkpoint.py decides). ALiBi configs are refused.
#include "core/error.h"
#include "model/arch/llama_family.h"
#include "model/arch_registry.h"

namespace llmcp::model::arch::falcon {
namespace {

int64_t first_int(const io::HfConfig& hf, const char* key, const char* legacy_key) {
  return hf.has(key) || !hf.has(legacy_key) ? hf.get_int(key) : hf.get_int(legacy_key);
}

DecoderConfig parse(const io::HfConfig& hf, bool legacy) {
  DecoderConfig c;
  c.architecture = hf.architecture();
  LLMCP_CHECK(!hf.get_bool("alibi", false), kUnsupported, hf.source(),
              ": Falcon models with ALiBi positions (alibi: true, e.g. falcon-rw-1b) are not supported; "
              "the rotary ones are (falcon-7b, falcon-40b)");
  LLMCP_CHECK(!hf.get_bool("apply_residual_connection_post_layernorm", false), kUnsupported, hf.source(),
              ": apply_residual_connection_post_layernorm: true is not supported");
  const std::string act = hf.get_string("activation", "gelu");
  LLMCP_CHECK(act == "gelu", kUnsupported, hf.source(), ": activation '", act, "' is not supported (expected gelu)");
  c.vocab_size = hf.get_int("vocab_size");
  c.hidden_size = hf.has("n_embed") && !hf.has("hidden_size") ? hf.get_int("n_embed") : hf.get_int("hidden_size");
  c.num_layers = first_int(hf, "num_hidden_layers", "n_layer");
  c.num_heads = first_int(hf, "num_attention_heads", "n_head");
  LLMCP_CHECK(c.num_heads > 0 && c.hidden_size % c.num_heads == 0, kMalformedFile, hf.source(),
              ": hidden_size (", c.hidden_size, ") must be a multiple of the number of heads (", c.num_heads, ")");
  c.head_dim = c.hidden_size / c.num_heads;
  c.intermediate_size = hf.get_int("ffn_hidden_size", 4 * c.hidden_size);
  const bool new_arch = legacy ? hf.has("n_head_kv") : hf.get_bool("new_decoder_architecture", false);
  const bool parallel = hf.get_bool("parallel_attn", true);
  if (new_arch) {
    c.num_kv_heads = legacy ? hf.get_int("n_head_kv") : hf.get_int("num_kv_heads", c.num_heads);
    // HF builds ln_attn/ln_mlp or one input_layernorm here, and always adds attention and MLP
    // in parallel; with parallel_attn false its forward fails, so such configs are refused.
    LLMCP_CHECK(parallel, kUnsupported, hf.source(),
                ": new_decoder_architecture with parallel_attn false is not a working Falcon layout");
    const int64_t norms = hf.get_int("num_ln_in_parallel_attn", 2);
    LLMCP_CHECK(norms == 1 || norms == 2, kMalformedFile, hf.source(), ": num_ln_in_parallel_attn must be 1 or 2, got ",
                norms);
    c.block = BlockKind::kParallel;
    c.shared_block_norm = norms == 1;
  } else {
    c.num_kv_heads = hf.get_bool("multi_query", true) ? 1 : c.num_heads;
    c.block = parallel ? BlockKind::kParallel : BlockKind::kSequential;
    c.shared_block_norm = parallel;
  }
  c.max_position = hf.get_int("max_position_embeddings", 2048);
  c.norm = NormKind::kLayerNorm;
  c.norm_eps = hf.get_double("layer_norm_epsilon", 1e-5);
  c.mlp = MlpKind::kGelu;
  c.qkv = QkvKind::kFused;
  c.rope = parse_rope(hf);
  c.attention_bias = c.mlp_bias = hf.get_bool("bias", false);
  c.tie_word_embeddings = hf.get_bool("tie_word_embeddings", true);
  c.torch_dtype = hf.get_string("torch_dtype", hf.get_string("dtype", "float32"));
  c.bos_token_id = hf.get_int("bos_token_id", 11);  // FalconConfig's defaults
  c.eos_token_ids = hf.get_int_list("eos_token_id");
  if (c.eos_token_ids.empty()) c.eos_token_ids = {11};
  if (hf.has("pad_token_id")) c.pad_token_id = hf.get_int("pad_token_id");
  return c;
}

// The layout flags of a config, inverse of parse().
struct Layout {
  bool new_arch, multi_query, parallel;
  int64_t norms;
};
Layout layout(const DecoderConfig& c) {
  const bool parallel = c.block == BlockKind::kParallel;
  if (parallel && !c.shared_block_norm) return {true, false, true, 2};
  if (c.num_kv_heads == 1) return {false, true, parallel, 1};
  if (c.num_kv_heads == c.num_heads) return {false, false, parallel, 1};
  LLMCP_CHECK(parallel, kInvalidArgument, "a Falcon model with grouped KV heads needs the parallel block");
  return {true, false, true, 1};
}

nlohmann::ordered_json write(const DecoderConfig& c, bool legacy) {
  const Layout l = layout(c);
  nlohmann::ordered_json j;
  j["activation"] = "gelu";
  j["alibi"] = false;
  j["apply_residual_connection_post_layernorm"] = false;
  j["architectures"] = {c.architecture};
  j["attention_dropout"] = 0.0;
  j["bias"] = c.attention_bias;
  if (c.bos_token_id) j["bos_token_id"] = *c.bos_token_id;
  if (c.eos_token_ids.size() == 1) j["eos_token_id"] = c.eos_token_ids[0];
  else if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids;
  j["ffn_hidden_size"] = c.intermediate_size;
  j["hidden_dropout"] = 0.0;
  j["hidden_size"] = c.hidden_size;
  j["initializer_range"] = 0.02;
  j["layer_norm_epsilon"] = c.norm_eps;
  j["max_position_embeddings"] = c.max_position;
  if (legacy) {
    LLMCP_CHECK(c.intermediate_size == 4 * c.hidden_size && l.norms == (l.new_arch ? 2 : 1), kInvalidArgument,
                "the legacy RWForCausalLM format cannot express this Falcon layout; use --arch falcon");
    j["model_type"] = l.new_arch ? "RefinedWeb" : "RefinedWebModel";
    if (!l.new_arch) j["multi_query"] = l.multi_query;
    j["n_head"] = c.num_heads;
    if (l.new_arch) j["n_head_kv"] = c.num_kv_heads;
    j["n_layer"] = c.num_layers;
  } else {
    j["model_type"] = "falcon";
    j["multi_query"] = l.multi_query;
    j["new_decoder_architecture"] = l.new_arch;
    j["num_attention_heads"] = c.num_heads;
    j["num_hidden_layers"] = c.num_layers;
    j["num_kv_heads"] = c.num_kv_heads;
    if (l.new_arch) j["num_ln_in_parallel_attn"] = l.norms;
  }
  j["parallel_attn"] = l.parallel;
  j["rope_scaling"] = rope_scaling_json(c.rope);
  j["rope_theta"] = c.rope.theta;
  write_common_keys(c, j);
  return j;
}

WeightNames names(const DecoderConfig& c) {
  WeightNames n;
  n.embed = "transformer.word_embeddings";
  n.final_norm = "transformer.ln_f";
  n.layer_prefix = "transformer.h.";
  const bool two_norms = c.block == BlockKind::kParallel && !c.shared_block_norm;
  n.attn_norm = two_norms ? "ln_attn" : "input_layernorm";
  n.mlp_norm = two_norms ? "ln_mlp" : "post_attention_layernorm";
  n.qkv = "self_attention.query_key_value";
  n.o = "self_attention.dense";
  n.up = "mlp.dense_h_to_4h";
  n.down = "mlp.dense_4h_to_h";
  n.q = n.k = n.v = n.gate = "";
  n.default_targets = {"query_key_value"};  // PEFT's default for Falcon
  return n;
}

// A preset's shape as falcon-7b's layout: multi-query attention, one norm, 4x MLP, tied embeddings.
void adapt_preset(DecoderConfig& c, const std::string& preset) {
  if (preset == "7b") {  // falcon-7b's own shape
    c.hidden_size = 4544;
    c.num_heads = 71;
    c.head_dim = 64;
    c.vocab_size = 65024;
  }
  c.num_kv_heads = 1;
  c.intermediate_size = 4 * c.hidden_size;
  c.max_position = 2048;
  c.norm = NormKind::kLayerNorm;
  c.mlp = MlpKind::kGelu;
  c.qkv = QkvKind::kFused;
  c.block = BlockKind::kParallel;
  c.shared_block_norm = true;
  c.tie_word_embeddings = true;
}

// FalconForCausalLM and the legacy RWForCausalLM (its config keys): the same model otherwise.
ArchSpec spec(const char* hf_name, const char* family, bool legacy) {
  return ArchSpec{
      .hf_name = hf_name,
      .family = family,
      .parse_config = [legacy](const io::HfConfig& hf) { return parse(hf, legacy); },
      .write_config = [legacy](const DecoderConfig& c) { return write(c, legacy); },
      .names = names,
      .chat_template = [](const HasToken&) { return std::string("falcon"); },
      .adapt_preset = adapt_preset,
  };
}

}  // namespace

std::vector<ArchSpec> specs() { return {spec("FalconForCausalLM", "falcon", false), spec("RWForCausalLM", "falcon-rw", true)}; }

}  // namespace llmcp::model::arch::falcon
