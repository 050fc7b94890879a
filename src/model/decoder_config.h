// The one generic decoder's hyper-parameters. Every architecture (Llama, Mistral, Falcon, Mixtral)
// maps its HF config.json onto this struct; the decoder never looks at HF names itself.
// Dimension letters: B batch, T time, C channels (hidden), H heads, K kv heads, D head dim, V vocab.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmcp::model {

enum class NormKind { kRmsNorm, kLayerNorm };
enum class MlpKind { kGatedSilu, kGelu };  // down(silu(gate x) * up x)  |  down(gelu(up x))
enum class RopeScaling { kNone, kLinear, kDynamic, kLlama3 };
// Separate q/k/v projections, or one fused projection laid out as Falcon's query_key_value:
// K groups, each [H/K query heads, 1 key head, 1 value head] of D rows.
enum class QkvKind { kSeparate, kFused };
// Sequential: h = x + attn(n1 x); out = h + mlp(n2 h).  Parallel: out = x + attn(n1 x) + mlp(n2 x),
// where n2 is n1 itself when the block has one norm (DecoderConfig::shared_block_norm).
enum class BlockKind { kSequential, kParallel };

// Sparse mixture of experts in place of the MLP (Mixtral): a router picks top_k experts per token,
// their outputs are summed with the softmax of the picked router logits as weights.
struct MoeConfig {
  int64_t num_experts = 0;            // num_local_experts
  int64_t top_k = 2;                  // num_experts_per_tok
  double aux_loss_coef = 0.0;         // router_aux_loss_coef
  bool output_router_logits = false;  // as in HF: the load-balancing loss is added to training only when true
  double jitter_noise = 0.0;          // router_jitter_noise: training multiplies inputs by U(1-j, 1+j)
};

struct RopeConfig {
  double theta = 10000.0;
  RopeScaling scaling = RopeScaling::kNone;
  double factor = 1.0;
  double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
  int64_t original_max_position = 0;                     // llama3
};

struct DecoderConfig {
  std::string architecture;  // HF "architectures"[0]
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;        // C
  int64_t intermediate_size = 0;  // the MLP's (each expert's, with MoE)
  int64_t num_layers = 0;
  int64_t num_heads = 0;          // H
  int64_t num_kv_heads = 0;       // K (GQA when K < H)
  int64_t head_dim = 0;           // D
  int64_t max_position = 0;
  double norm_eps = 1e-6;
  NormKind norm = NormKind::kRmsNorm;
  MlpKind mlp = MlpKind::kGatedSilu;
  QkvKind qkv = QkvKind::kSeparate;
  BlockKind block = BlockKind::kSequential;
  bool shared_block_norm = false;  // parallel block: one norm feeds attention and MLP
  std::optional<MoeConfig> moe;
  RopeConfig rope;
  std::optional<int64_t> sliding_window;  // keys with q - k >= window are masked
  bool attention_bias = false;
  bool mlp_bias = false;
  bool tie_word_embeddings = false;
  std::string torch_dtype = "float32";  // as written in config.json
  std::optional<int64_t> bos_token_id, pad_token_id;
  std::vector<int64_t> eos_token_ids;

  int64_t parameter_count() const;  // tied embeddings counted once
  // Parameters one token uses: with experts, only top_k of num_experts MLPs per layer.
  int64_t active_parameter_count() const;
  void validate() const;            // throws with the offending field
};

}  // namespace llmcp::model
