// Activations of this program's decoder, tensor by tensor. Each term is a tensor autograd keeps
// (libtorch saves an input only when a gradient needs it: a frozen linear keeps its weight, not its
// input) or a temporary that coexists with them. Element sizes: the residual stream is the base's
// dtype (bf16 for an adapter on a bf16 base, else fp32); matmul outputs are bf16 under bf16
// autocast; norms, softmax, adapters and the loss compute in fp32.
#include "train/plan/activations.h"

#include <algorithm>
#include <map>
#include <set>

namespace llmcp::plan {
namespace {

// Bytes kept, and how much of it is in blocks glibc serves from the heap (below the mmap threshold
// core/runtime.cpp sets): freed heap blocks stay resident, so on the CPU those weigh twice.
constexpr int64_t kMmapThreshold = 32LL << 20;
struct Tally {
  int64_t total = 0, heap = 0;
  void add(int64_t bytes, int64_t count = 1) {
    total += bytes * count;
    if (bytes < kMmapThreshold) heap += bytes * count;
  }
};

}  // namespace

int64_t Activations::saved_through(int64_t l) const {
  int64_t s = 0;
  for (int64_t i = 0; i <= l && i < static_cast<int64_t>(kept.size()); ++i) s += kept[static_cast<size_t>(i)];
  return s + recomputed;
}

Activations activations(const ActivationInputs& in) {
  const auto& m = *in.shape;
  const auto& cfg = m.config;
  const auto& c = *in.config;
  const bool full = c.full();
  const peft::PeftMethod* method = full ? nullptr : &peft::peft_method(c.lora.method);
  const bool topk = method && method->topk_attention(c.lora) > 0;
  const bool ac = c.bf16;                    // autocast: matmuls in bf16
  const int64_t e_mm = ac ? 2 : 4;
  const int64_t e_res = full ? 4 : in.base_size;
  const int64_t B = c.batch_size, T = c.seq_len, n = B * T;
  const int64_t C = cfg.hidden_size, I = cfg.intermediate_size, H = cfg.num_heads, K = cfg.num_kv_heads,
                D = cfg.head_dim, V = cfg.vocab_size;
  const int64_t E = cfg.moe ? cfg.moe->num_experts : 1, top_k = cfg.moe ? cfg.moe->top_k : 1;
  const int64_t n_mlp = n * top_k;  // token rows through the MLP (experts: each token top_k times)
  const int64_t P = B * H * T * T;
  // Top-k attention selects among the scores: it always runs the eager attention.
  const bool eager = in.attention == Attention::kEager || topk;

  Activations a;
  for (const auto& [name, elems] : m.tensors) {
    if (name == m.names.embed + ".weight") (cfg.tie_word_embeddings ? a.head_parameters : a.embed_parameters) = elems;
    if (name == m.names.lm_head + ".weight") a.head_parameters = elems;
  }

  // Bytes one layer keeps for backward.
  auto layer_kept = [&](int64_t layer, bool input_needs_grad) {
    const std::string prefix = m.names.layer_prefix + std::to_string(layer) + ".";
    Tally kept;
    std::set<model::LayerInput> shared_inputs;  // inputs kept once however many linears read them
    std::map<model::LayerInput, int64_t> input_width;
    for (const auto& mod : m.layer) {
      if (mod.is_norm()) continue;
      input_width[mod.input] = mod.in;
      const bool expert = model::reads_expert_rows(mod.input);
      const int64_t rows = expert ? n_mlp / E : n;  // experts see their tokens only
      const int64_t input_size = model::reads_normed(mod.input) ? e_res : e_mm;
      if (full) {
        // The weight's gradient needs the input: fp32 shared by the readers, or autocast's bf16 copy.
        if (ac && input_size == 4) kept.add(rows * mod.in * 2);
        else shared_inputs.insert(mod.input);
        continue;
      }
      auto t = in.targets.find(prefix + mod.name);
      if (t == in.targets.end()) continue;  // frozen: keeps its weight, not its input
      peft::KeptInput k;
      k.rows = rows;
      k.in = mod.in;
      k.out = mod.out;
      k.rank = t->second.rank;
      k.input_size = input_size;
      k.mm_size = e_mm;
      k.autocast = ac;
      k.cuda = in.cuda;
      const auto delta = method->kept_for_backward(c.lora, k);
      for (int64_t bytes : delta.tensors) kept.add(bytes);
      if (delta.shares_input) shared_inputs.insert(mod.input);
    }
    for (auto input : shared_inputs) {
      const int64_t rows = model::reads_expert_rows(input) ? n_mlp : n;
      kept.add(rows * input_width.at(input) * (model::reads_normed(input) ? e_res : e_mm));
    }
    // Norms keep their fp32 input (RMSNorm's square is not kept: libtorch 2.x's mean needs only the
    // shape for its backward), and, trained, the normalized value for their weight. The first
    // layer's input is the frozen embedding's output under an adapter: norms reading it keep nothing.
    const bool rms = cfg.norm == model::NormKind::kRmsNorm;
    const int64_t norm_in = rms ? 4 : e_res;
    int64_t norms = cfg.block == model::BlockKind::kSequential ? 2 : (cfg.shared_block_norm ? 1 : 2);
    if (cfg.block == model::BlockKind::kParallel && norms == 2 && e_res == 4) norms = 1;  // both read x itself
    if (!input_needs_grad) norms = cfg.block == model::BlockKind::kSequential ? 1 : 0;
    if (norms > 0) kept.add(n * C * norm_in, norms);
    if (full && norms > 0) kept.add(n * C * e_res, norms);
    // Attention.
    const int64_t kv_rows = K < H ? H : K;  // GQA: repeat_interleave makes per-head copies
    if (eager) {
      kept.add(n * H * D * e_mm);              // q after rope
      kept.add(n * kv_rows * D * e_mm, 2);     // k after rope, v
      kept.add(P * 4);                         // softmax output (fp32)
      if (e_mm != 4) kept.add(P * 2);          // and its cast for the product with v
      kept.add(B * T * T);                     // the inverted mask masked_fill keeps
      if (topk) kept.add(P);                   // top-k attention's drop mask
    } else {
      kept.add(n * H * D * e_mm, 2);  // q, output
      kept.add(n * K * D * e_mm, 2);  // k, v
      kept.add(B * H * T * 4);        // log-sum-exp
    }
    // MLP.
    if (cfg.mlp == model::MlpKind::kGatedSilu) kept.add(n_mlp * I * e_mm, 3);  // gate out, silu out, up out
    else kept.add(n_mlp * I * e_mm);                                          // gelu's input
    if (cfg.moe) {
      kept.add(n_mlp / E * C * e_mm, E);  // each expert's output, for its routing weight
      kept.add(n * E * 4);                // router softmax
    }
    return kept;
  };

  const int64_t L = cfg.num_layers;
  Tally largest, input;
  input.add(n * C * e_res);
  for (int64_t l = 0; l < L; ++l) {
    const Tally k = layer_kept(l, full || l > 0);
    if (k.total > largest.total) largest = k;
    const Tally& kept = c.gradient_checkpointing ? input : k;
    a.kept.push_back(kept.total);
    a.heap_kept += kept.heap;
  }
  if (c.gradient_checkpointing) {
    // Recomputing layer after layer scatters blocks across the heap: measured (bench/memory_probe,
    // 6 steps, three configurations) the free blocks kept resident settle at 3-5 times one layer's
    // kept heap blocks above the layers' inputs.
    a.recomputed = largest.total;
    a.heap_kept += largest.heap * 7 / 2;
  }
  for (auto k : a.kept) a.saved_all += k;
  // Shared by every layer: rope's cos and sin tables and the attention mask.
  a.saved_all += 2 * n * D * e_res + B * T * T;
  // Full fine-tuning under autocast: the bf16 copies autocast makes of the fp32 linear weights,
  // cached for the forward and kept by the products for backward.
  if (full && ac)
    for (const auto& l : m.linears) a.saved_all += l.out * l.in * 2;

  // The loss: final norm, the target positions' hidden states, logits, log-softmax.
  const auto N = static_cast<int64_t>(static_cast<double>(B * std::max<int64_t>(T - 1, 1)) * in.target_fraction);
  // Final norm (input, and its square for RMSNorm), its output (masked_select keeps it), the LM
  // head's input when the head trains, the log-probabilities.
  const int64_t final_norm = n * C * 4 * (cfg.norm == model::NormKind::kRmsNorm ? 2 : 1);
  a.loss_saved = final_norm + n * C * e_res + (full ? n * C * e_res + N * C * (ac ? 2 : 4) : 0) + N * V * 4;
  a.loss_forward = N * V * e_mm + (ac ? N * V * 4 : 0);
  a.loss_backward = 2 * N * V * 4 + (ac ? N * V * 2 : 0);

  // A layer's backward: the probabilities' gradient through softmax, masking and scaling, or the
  // MLP's gradients, plus the residual stream's.
  const int64_t attn_bwd = eager ? 3 * P * (ac ? 3 : 4) : 4 * n * H * D * 4;
  const int64_t mlp_bwd = 3 * n_mlp * I * 4;
  a.layer_backward_transient = std::max(attn_bwd, mlp_bwd) + 2 * n * C * 4;

  a.detail = std::string(c.gradient_checkpointing ? "each layer's input (gradient checkpointing) plus one layer recomputed"
                                                  : "kept for backward by every layer") +
             ", " + (eager ? "eager attention (B x H x T x T probabilities kept)" : "memory-efficient attention");
  return a;
}

}  // namespace llmcp::plan
