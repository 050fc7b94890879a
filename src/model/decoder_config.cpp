// Consistency checks and parameter counting for DecoderConfig.
#include "model/decoder_config.h"

#include "core/error.h"

namespace llmcp::model {

int64_t DecoderConfig::parameter_count() const {
  const int64_t C = hidden_size, D = head_dim, H = num_heads, K = num_kv_heads, I = intermediate_size;
  int64_t attn = C * H * D + 2 * C * K * D + H * D * C;
  if (attention_bias) attn += H * D + 2 * K * D + C;
  int64_t mlp = (this->mlp == MlpKind::kGatedSilu ? 3 : 2) * C * I;
  if (mlp_bias) mlp += (this->mlp == MlpKind::kGatedSilu ? 2 : 1) * I + C;
  if (moe) mlp = moe->num_experts * (mlp + C);  // each expert's MLP and its router row
  int64_t norm_params = (norm == NormKind::kLayerNorm ? 2 : 1) * C;
  int64_t per_layer = attn + mlp + (shared_block_norm ? 1 : 2) * norm_params;
  int64_t embed = vocab_size * C;
  return embed * (tie_word_embeddings ? 1 : 2) + num_layers * per_layer + norm_params;
}

int64_t DecoderConfig::active_parameter_count() const {
  if (!moe) return parameter_count();
  int64_t expert = (mlp == MlpKind::kGatedSilu ? 3 : 2) * hidden_size * intermediate_size;
  if (mlp_bias) expert += (mlp == MlpKind::kGatedSilu ? 2 : 1) * intermediate_size + hidden_size;
  return parameter_count() - num_layers * (moe->num_experts - moe->top_k) * expert;
}

void DecoderConfig::validate() const {
  auto positive = [&](int64_t v, const char* name) {
    LLMCP_CHECK(v > 0, kMalformedFile, architecture, " config: '", name, "' must be positive, got ", v);
  };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(intermediate_size, "intermediate_size");
  positive(num_layers, "num_hidden_layers");
  positive(num_heads, "num_attention_heads");
  positive(num_kv_heads, "num_key_value_heads");
  positive(head_dim, "head_dim");
  positive(max_position, "max_position_embeddings");
  // Bounds far above any real model keep every size computation inside int64.
  auto bounded = [&](int64_t v, int64_t limit, const char* name) {
    LLMCP_CHECK(v <= limit, kMalformedFile, architecture, " config: '", name, "' = ", v, " exceeds ", limit);
  };
  bounded(vocab_size, int64_t(1) << 24, "vocab_size");
  bounded(hidden_size, int64_t(1) << 20, "hidden_size");
  bounded(intermediate_size, int64_t(1) << 22, "intermediate_size");
  bounded(num_layers, int64_t(1) << 12, "num_hidden_layers");
  bounded(num_heads * head_dim, int64_t(1) << 20, "num_attention_heads * head_dim");
  bounded(max_position, int64_t(1) << 32, "max_position_embeddings");
  LLMCP_CHECK(num_heads % num_kv_heads == 0, kMalformedFile, architecture, " config: num_attention_heads (",
              num_heads, ") must be a multiple of num_key_value_heads (", num_kv_heads, ")");
  LLMCP_CHECK(head_dim % 2 == 0, kMalformedFile, architecture, " config: head_dim must be even for rotary embeddings, got ",
              head_dim);
  LLMCP_CHECK(rope.theta > 0, kMalformedFile, architecture, " config: rope_theta must be positive");
  LLMCP_CHECK(!sliding_window || *sliding_window > 0, kMalformedFile, architecture,
              " config: sliding_window must be positive or null");
  LLMCP_CHECK(!shared_block_norm || block == BlockKind::kParallel, kMalformedFile, architecture,
              " config: one norm for attention and MLP needs the parallel block");
  if (moe) {
    LLMCP_CHECK(moe->num_experts > 0 && moe->num_experts <= 1024, kMalformedFile, architecture,
                " config: num_local_experts must be in 1..1024, got ", moe->num_experts);
    LLMCP_CHECK(moe->top_k > 0 && moe->top_k <= moe->num_experts, kMalformedFile, architecture,
                " config: num_experts_per_tok must be in 1..num_local_experts (", moe->num_experts, "), got ",
                moe->top_k);
    LLMCP_CHECK(moe->jitter_noise >= 0 && moe->jitter_noise < 1, kMalformedFile, architecture,
                " config: router_jitter_noise must be in [0, 1), got ", moe->jitter_noise);
  }
  if (rope.scaling != RopeScaling::kNone)
    LLMCP_CHECK(rope.factor > 0, kMalformedFile, architecture, " config: rope_scaling.factor must be positive");
  if (rope.scaling == RopeScaling::kLlama3)
    LLMCP_CHECK(rope.original_max_position > 0 && rope.high_freq_factor != rope.low_freq_factor, kMalformedFile,
                architecture, " config: llama3 rope_scaling needs original_max_position_embeddings and distinct "
                "low/high_freq_factor");
}

}  // namespace llmcp::model
