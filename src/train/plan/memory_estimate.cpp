// The memory model. Every term names the tensor of this program's step that it stands for, so a
// change in the decoder or the adapters shows up here as a term to change. Notation as in
// model/decoder_config.h: B batch, T sequence, n = B*T tokens, C hidden, I intermediate, H heads,
// K kv heads, D head dim, V vocab, L layers, r rank; P = B*H*T*T attention probabilities.
#include "train/plan/memory_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/error.h"
#include "core/format.h"
#include "peft/targets.h"
#include "train/plan/activations.h"

namespace llmcp::plan {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

// What the runtime adds on top of tensors. CPU: measured on this program (bench/memory_check.sh:
// OpenMP and BLAS thread buffers, malloc arenas, the autograd engine). CUDA: the context the
// driver creates, which the caching allocator's peak does not include.
constexpr int64_t kCpuOverhead = 80 * kMiB;
constexpr int64_t kCudaContext = 512 * kMiB;

struct Weights {
  int64_t dense = 0, quantized = 0, quantized_params = 0;
  int64_t gathered = 0;  // shard_base: the largest linear base, whole while its product runs
  std::string detail;
};

int64_t element_size(const std::string& dtype) { return dtype == "float32" || dtype == "fp32" ? 4 : 2; }

// The base as TrainableModel loads it: fp32, bf16 under a bf16 run of an adapter, or 4/8-bit;
// with shard_base over several processes, each keeps 1/processes of every linear base (the loader
// shards the decoder layers' linears and an untied LM head; dist/sharded_weight.h).
Weights weights_of(const ModelShape& m, const train::TrainConfig& c, int64_t base_size, int64_t processes) {
  Weights w;
  const auto q = train::base_quantization(c);
  const bool quantize = !c.full() && (q.load_in_4bit || q.load_in_8bit);
  const int bits = q.load_in_8bit ? 8 : 4;
  const bool dq = q.double_quant;
  const int64_t blocksize = q.blocksize;
  std::set<std::string> quantized;
  if (quantize)
    for (const auto& l : m.linears)
      if (l.quantizable) {
        quantized.insert(l.module + ".weight");
        w.quantized += quantized_weight_bytes(l.out, l.in, bits, dq, blocksize);
        w.quantized_params += l.out * l.in;
      }
  for (const auto& [name, n] : m.tensors)
    if (!quantized.count(name)) w.dense += n * base_size;
  const bool shard = c.shard_base && processes > 1 && !c.full();
  if (shard) {
    int64_t whole = 0, largest = 0;
    for (const auto& l : m.linears) {
      const int64_t b = quantized.count(l.module + ".weight") ? quantized_weight_bytes(l.out, l.in, bits, dq, blocksize)
                                                              : l.out * l.in * base_size;
      whole += b;
      largest = std::max(largest, b);
      (quantized.count(l.module + ".weight") ? w.quantized : w.dense) -= b - (b + processes - 1) / processes;
    }
    // The gather writes the whole weight into one buffer (sharded_weight.cpp).
    w.gathered = largest;
    w.detail += "; the linear layers' " + core::format_bytes(whole) + " split over " + std::to_string(processes) +
                " processes (shard_base), each keeping 1/" + std::to_string(processes);
  }
  w.detail = (quantize ? core::with_commas(w.quantized_params) + " parameters in " + (bits == 4 ? "4" : "8") + "-bit" +
                            (bits == 4 && dq ? " with double quantization" : "") + ", the rest (" +
                            core::with_commas(m.parameters - w.quantized_params) + ") in " +
                            (base_size == 4 ? "fp32" : "bf16")
                      : core::with_commas(m.parameters) + " parameters in " + (base_size == 4 ? "fp32" : "bf16")) +
             w.detail;
  return w;
}

std::string percent(int64_t part, int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f%%", whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

}  // namespace

Attention parse_attention(const std::string& name) {
  if (name == "eager") return Attention::kEager;
  if (name == "sdpa" || name == "flash") return Attention::kSdpa;
  LLMCP_FAIL(kInvalidArgument, "unknown attention '", name, "'; choose sdpa (the fused kernel, the default) or eager");
}

int64_t quantized_weight_bytes(int64_t out, int64_t in, int bits, bool double_quant, int64_t blocksize) {
  const int64_t n = out * in;
  if (bits == 8) return n + out * 4;  // int8 rows + fp32 SCB
  const int64_t blocks = (n + blocksize - 1) / blocksize;
  int64_t b = (n + 1) / 2 + 16 * 4;  // packed nibbles + the 16-entry code
  b += double_quant ? blocks + 4 * ((blocks + 255) / 256) + 256 * 4 : 4 * blocks;  // nested absmax + its code
  return b;
}

nlohmann::ordered_json MemoryEstimate::to_json() const {
  nlohmann::ordered_json j;
  j["total_bytes"] = total_bytes;
  j["peak_at"] = peak_at;
  j["trainable_parameters"] = trainable_parameters;
  nlohmann::ordered_json breakdown = nlohmann::ordered_json::object(), details = nlohmann::ordered_json::object();
  for (const auto& p : parts) {
    breakdown[p.name] = p.bytes;
    if (!p.detail.empty()) details[p.name] = p.detail;
  }
  j["breakdown"] = breakdown;
  j["details"] = details;
  return j;
}

MemoryEstimate estimate_training(const ModelShape& m, const train::TrainConfig& c, const PlanOptions& o) {
  LLMCP_CHECK(c.batch_size > 0 && c.seq_len > 0, kInvalidArgument, "batch_size and seq_len must be positive");
  const bool full = c.full();
  const bool cuda = c.device.rfind("cuda", 0) == 0;
  // Adapters train on a frozen base that stays bf16 under a bf16 run; full fine-tuning keeps fp32
  // masters (train/trainable_model.cpp).
  const int64_t base_size = (c.bf16 && !full) ? 2 : 4;
  LLMCP_CHECK(o.processes >= 1, kInvalidArgument, "processes must be at least 1");
  Weights w = weights_of(m, c, base_size, o.processes);
  // Gloo (CPUs) stages an all-gather's output through a buffer of its own and copies it out: one
  // more layer; NCCL writes in place.
  if (!cuda) w.gathered *= 2;

  // What is trained, from PEFT's target planning on the model's linear layers.
  std::vector<std::string> linear_names;
  for (const auto& l : m.linears) linear_names.push_back(l.module);
  std::map<std::string, const LinearShape*> by_name;
  for (const auto& l : m.linears) by_name[l.module] = &l;
  ActivationInputs in;
  in.shape = &m;
  in.config = &c;
  in.attention = o.attention;
  in.target_fraction = o.target_fraction;
  in.cuda = cuda;
  in.base_size = base_size;
  int64_t trainable = 0, buffers = 0, mask_dense = 0, largest_trainable = 0;
  if (full) {
    trainable = m.parameters;
    largest_trainable = m.largest_tensor;
  } else {
    const auto& lora = c.lora;
    const auto& method = peft::peft_method(lora.method);
    for (const auto& t : peft::plan_targets(lora, linear_names, m.names.lm_head, m.names.default_targets)) {
      const auto& l = *by_name.at(t.module);
      const auto cost = method.module_cost(lora, t.rank, l.out, l.in);
      trainable += cost.trainable;
      buffers += cost.buffer_bytes;
      mask_dense += cost.update_bytes;
      largest_trainable = std::max(largest_trainable, cost.largest_tensor);
      in.targets[t.module] = {t.rank, l.out, l.in};
    }
    for (const auto& [name, n] : m.tensors)  // modules_to_save: a trainable copy of the module
      for (const auto& keep : lora.modules_to_save)
        if (name.size() > keep.size() + 7 && name.find("." + keep + ".") != std::string::npos) {
          trainable += n;
          largest_trainable = std::max(largest_trainable, n);
        }
  }
  const Activations a = activations(in);

  const int64_t L = m.config.num_layers;
  const int64_t grads_all = trainable * 4;  // fp32 gradients of fp32 trainable tensors
  const int64_t adam = 2 * trainable * 4;    // exp_avg, exp_avg_sq
  const int64_t weights = w.dense + w.quantized;
  const int64_t trainable_bytes = full ? 0 : trainable * 4;  // full: the weights are the trained tensors
  const int64_t persist_grads = c.gradient_accumulation_steps > 1 ? grads_all : 0;
  // CPU: glibc keeps freed heap blocks resident, and the forward pass leaves freed blocks behind in
  // proportion to the kept heap blocks, a share that depends on the allocation pattern. Measured
  // with bench/memory_probe (heap extent - live bytes, steady state): fp32 adapters 0.78-0.83,
  // bf16 autocast 0.35 (its casts free blocks that later ones reuse), full fine-tuning 0.56
  // (gradients fill the holes), a mixture of experts 0.30 (each expert's blocks differ in size
  // from step to step and refill each other's); checkpointing: see activations.cpp. This part is
  // empirical; the live part is modeled tensor by tensor (tests/train/plan: within 10%, mostly 2%,
  // of glibc's live bytes).
  const double heap_share = c.gradient_checkpointing ? 1.0
                            : m.config.moe            ? 0.3
                            : full                    ? 0.55
                            : c.bf16                  ? 0.35
                                                      : 0.8;
  const int64_t retained = cuda ? 0 : static_cast<int64_t>(static_cast<double>(a.heap_kept) * heap_share);
  // Several processes: DDP's buckets hold a flat copy of every gradient for the all-reduce
  // (dist/grad_sync.cpp).
  const int64_t buckets = o.processes > 1 ? grads_all : 0;
  const int64_t fixed = weights + trainable_bytes + buffers + adam + retained + buckets + w.gathered;
  // Gradients by the time layer l's backward runs (full: the LM head's first, then layer by layer).
  const int64_t head_grads = full ? a.head_parameters * 4 : 0;
  auto grads_before_layer = [&](int64_t l) {
    const int64_t done = grads_all - head_grads - (full ? a.embed_parameters * 4 : 0);
    return std::max(persist_grads, head_grads + done * (L - 1 - l) / std::max<int64_t>(L, 1));
  };
  auto mask_before_layer = [&](int64_t l) { return mask_dense * (L - 1 - l) / std::max<int64_t>(L, 1); };

  struct Point {
    std::string at;
    int64_t grads, activations, loss, transient, mask;
  };
  std::vector<Point> points;
  points.push_back({"forward, at the loss", persist_grads, a.saved_all + a.loss_saved, a.loss_forward, 0, 0});
  points.push_back({"backward through the loss", std::max(persist_grads, head_grads), a.saved_all + a.loss_saved,
                    a.loss_backward, 0, 0});
  for (int64_t l = L - 1; l >= 0; --l)
    points.push_back({"backward of layer " + std::to_string(l), grads_before_layer(l), a.saved_through(l), 0,
                      a.layer_backward_transient, mask_before_layer(l)});
  points.push_back({"optimizer step", grads_all, 0, 0, 2 * largest_trainable * 4, mask_dense});

  // CPU, after the loss: the heap never shrinks, and what backward allocates (gradients,
  // temporaries) first fills the blocks freed so far, so the retained part shrinks by as much.
  auto retained_at = [&](const Point& p) {
    if (retained == 0 || p.loss > 0) return retained;
    return std::max<int64_t>(0, a.saved_all + a.loss_saved + retained - (p.grads + p.activations + p.transient + p.mask));
  };
  auto total_of = [&](const Point& p) {
    return fixed - retained + retained_at(p) + p.grads + p.activations + p.loss + p.transient + p.mask;
  };
  const Point* peak = &points.front();
  for (const auto& p : points)
    if (total_of(p) > total_of(*peak)) peak = &p;

  MemoryEstimate e;
  e.trainable_parameters = trainable;
  e.forward_kept_bytes = a.saved_all + a.loss_saved;
  e.peak_at = peak->at;
  auto add = [&](std::string name, int64_t bytes, std::string detail) {
    e.parts.push_back({std::move(name), bytes, std::move(detail)});
  };
  add("weights", weights, w.detail);
  if (w.gathered) add("gathered_layer", w.gathered, "the largest linear base, gathered whole while its product runs");
  if (!full)
    add("trainable", trainable_bytes + buffers,
        core::with_commas(trainable) + " fp32 parameters (" + percent(trainable, m.parameters) + ")" +
            (buffers ? ", plus " + core::format_bytes(buffers) + " of " + c.lora.method + " buffers (not trained)" : ""));
  add("gradients", peak->grads, "fp32, of the trainable tensors");
  add("optimizer", adam, "AdamW's two fp32 moments per trainable parameter");
  if (buckets) add("allreduce_buckets", buckets, "the gradients' flat copy the all-reduce sends (data parallel)");
  add("activations", peak->activations, a.detail);
  add("loss", peak->loss, "logits and cross-entropy buffers over " + std::to_string(m.config.vocab_size) + " tokens");
  if (retained) add("heap_retained", retained_at(*peak), "freed heap blocks glibc keeps resident after the forward pass");
  add("workspace", peak->transient, peak->at == "optimizer step" ? "AdamW's temporaries" : "one layer's backward temporaries");
  if (mask_dense) add("mask_update", peak->mask, "what the " + c.lora.method + " method holds on the steps that change its structure (RigL's dense gradients)");
  add(cuda ? "cuda_context" : "runtime", cuda ? kCudaContext : kCpuOverhead,
      cuda ? "the CUDA context (outside the caching allocator)" : "threads' buffers, allocator and autograd");
  for (const auto& p : e.parts) e.total_bytes += p.bytes;
  return e;
}

MemoryEstimate estimate_inference(const ModelShape& m, const InferenceRequest& r) {
  LLMCP_CHECK(r.batch_size > 0 && r.context_tokens > 0, kInvalidArgument,
              "batch_size and context_tokens must be positive");
  const bool cuda = r.device.rfind("cuda", 0) == 0;
  const int64_t e = element_size(r.dtype);
  const auto& cfg = m.config;
  int64_t dense = 0, quantized = 0;
  std::set<std::string> q;
  if (!r.quantization.empty()) {
    LLMCP_CHECK(r.quantization == "nf4" || r.quantization == "fp4" || r.quantization == "int8", kInvalidArgument,
                "unknown quantization '", r.quantization, "'; choose nf4, fp4 or int8");
    for (const auto& l : m.linears)
      if (l.quantizable) {
        q.insert(l.module + ".weight");
        quantized += quantized_weight_bytes(l.out, l.in, r.quantization == "int8" ? 8 : 4, true, 64);
      }
  }
  for (const auto& [name, n] : m.tensors)
    if (!q.count(name)) dense += n * e;
  const int64_t B = r.batch_size, S = r.context_tokens;
  const int64_t kv = 2 * cfg.num_layers * cfg.num_kv_heads * cfg.head_dim * e * B * S;
  // Prefill of the whole prompt at once: one layer's activations (eager: the H x S x S scores).
  const int64_t C = cfg.hidden_size, I = cfg.intermediate_size * (cfg.moe ? cfg.moe->top_k : 1);
  const int64_t scores = r.attention == Attention::kEager ? 3 * B * cfg.num_heads * S * S * 4 : 0;
  const int64_t prefill = scores + B * S * (4 * C + 3 * I) * e;
  const int64_t logits = B * cfg.vocab_size * 4 * 2;
  MemoryEstimate out;
  out.peak_at = "prefill of the prompt";
  out.parts.push_back({"weights", dense + quantized,
                       r.quantization.empty() ? r.dtype : r.quantization + " linears, the rest " + r.dtype});
  out.parts.push_back({"kv_cache", kv, std::to_string(B) + " x " + std::to_string(S) + " tokens, " +
                                           std::to_string(cfg.num_layers) + " layers x " +
                                           std::to_string(cfg.num_kv_heads) + " kv heads"});
  out.parts.push_back({"activations", prefill, "one layer's prefill"});
  out.parts.push_back({"loss", logits, "next-token logits and sampling buffers"});
  out.parts.push_back({cuda ? "cuda_context" : "runtime", cuda ? kCudaContext : kCpuOverhead, ""});
  for (const auto& p : out.parts) out.total_bytes += p.bytes;
  return out;
}

}  // namespace llmcp::plan
