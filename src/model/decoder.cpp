// Forward pass of the generic decoder: embeddings, pre-norm attention + MLP blocks with
// residuals, final norm, LM head. Shapes: B batch, T new tokens, S cached+new slots.
#include "model/decoder.h"

#include <ATen/core/grad_mode.h>

#include "core/error.h"
#include "model/layer_checkpoint.h"
#include "model/moe.h"
#include "model/layer_spec.h"
#include "model/parameters.h"

namespace llmcp::model {
namespace {

at::Tensor take(TensorMap& m, const std::string& name, const std::vector<int64_t>& shape) {
  auto it = m.find(name);
  LLMCP_CHECK(it != m.end(), kNotFound, "weight '", name, "' is missing");
  LLMCP_CHECK(it->second.sizes().vec() == shape, kShapeMismatch, "weight '", name, "' has shape ",
              it->second.sizes(), " but the config implies ", at::IntArrayRef(shape),
              " (does the checkpoint belong to this config.json?)");
  return it->second;
}

}  // namespace

Linear& linear_of(DecoderLayer& l, const LayerModule& m) {
  Mlp& mlp = m.expert >= 0 ? l.experts.at(static_cast<size_t>(m.expert)) : l.mlp;
  switch (m.slot) {
    case LayerSlot::kQ: return l.q;
    case LayerSlot::kK: return l.k;
    case LayerSlot::kV: return l.v;
    case LayerSlot::kQkv: return l.qkv;
    case LayerSlot::kO: return l.o;
    case LayerSlot::kRouter: return l.router;
    case LayerSlot::kGate: return mlp.gate;
    case LayerSlot::kUp: return mlp.up;
    case LayerSlot::kDown: return mlp.down;
    case LayerSlot::kAttnNorm:
    case LayerSlot::kMlpNorm: break;
  }
  LLMCP_FAIL(kInternal, "layer module ", m.name, " is a norm, not a linear layer");
}

Norm& norm_of(DecoderLayer& l, const LayerModule& m) {
  LLMCP_CHECK(m.is_norm(), kInternal, "layer module ", m.name, " is not a norm");
  return m.slot == LayerSlot::kAttnNorm ? l.attn_norm : l.mlp_norm;
}

Decoder::Decoder(DecoderConfig config, WeightNames names, TensorMap tensors, QuantizedMap quantized, ShardMap sharded)
    : config_(std::move(config)), names_(std::move(names)) {
  config_.validate();
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& s : parameter_specs(config_, names_)) shapes[s.name] = s.shape;
  auto get = [&](const std::string& name) { return take(tensors, name, shapes.at(name)); };
  auto opt = [&](const std::string& name) { return shapes.count(name) ? get(name) : at::Tensor(); };
  auto linear = [&](const std::string& mod) {
    if (auto sh = sharded.find(mod); sh != sharded.end()) {
      const auto& want = shapes.at(mod + ".weight");
      const auto& info = sh->second->info();
      LLMCP_CHECK((want == std::vector<int64_t>{info.out, info.in}), kShapeMismatch, "sharded weight '", mod,
                  "' has shape [", info.out, ", ", info.in, "] but the config implies ", at::IntArrayRef(want));
      return Linear{mod, {}, opt(mod + ".bias"), {}, {}, sh->second};
    }
    auto q = quantized.find(mod);
    if (q == quantized.end()) return Linear{mod, get(mod + ".weight"), opt(mod + ".bias"), {}, {}, {}};
    const auto& want = shapes.at(mod + ".weight");
    LLMCP_CHECK((want == std::vector<int64_t>{q->second->out, q->second->in}), kShapeMismatch, "quantized weight '",
                mod, "' has shape [", q->second->out, ", ", q->second->in, "] but the config implies ",
                at::IntArrayRef(want));
    return Linear{mod, {}, opt(mod + ".bias"), {}, q->second, {}};
  };
  auto norm = [&](const std::string& mod) {
    return Norm{mod, config_.norm, config_.norm_eps, get(mod + ".weight"), opt(mod + ".bias")};
  };
  embed_ = get(names_.embed + ".weight");
  modules_ = layer_modules(config_, names_);
  for (int64_t i = 0; i < config_.num_layers; ++i) {
    DecoderLayer l;
    if (config_.moe) l.experts.resize(static_cast<size_t>(config_.moe->num_experts));
    for (const auto& mod : modules_) {
      const auto name = layer_module(names_, i, mod.name);
      if (mod.is_norm()) norm_of(l, mod) = norm(name);
      else linear_of(l, mod) = linear(name);
    }
    layers_.push_back(std::move(l));
  }
  final_norm_ = norm(names_.final_norm);
  lm_head_ = config_.tie_word_embeddings ? Linear{names_.lm_head, embed_, {}, {}, {}, {}} : linear(names_.lm_head);
  rope_ = std::make_unique<Rope>(config_.rope, config_.head_dim, config_.max_position);
}

at::Tensor Decoder::attention_block(const DecoderLayer& l, const at::Tensor& h, const at::Tensor& cos,
                                    const at::Tensor& sin, const Keys& keys, int64_t layer) const {
  const int64_t B = h.size(0), T = h.size(1), H = config_.num_heads, K = config_.num_kv_heads,
                D = config_.head_dim;
  at::Tensor q, k, v;
  if (config_.qkv == QkvKind::kFused) {  // K groups of [H/K query heads, 1 key, 1 value]
    const int64_t G = H / K;
    auto fused = l.qkv.forward(h).view({B, T, K, G + 2, D});
    q = fused.narrow(3, 0, G).reshape({B, T, H, D}).transpose(1, 2);
    k = fused.select(3, G).transpose(1, 2);
    v = fused.select(3, G + 1).transpose(1, 2);
  } else {
    q = l.q.forward(h).view({B, T, H, D}).transpose(1, 2);  // [B,H,T,D]
    k = l.k.forward(h).view({B, T, K, D}).transpose(1, 2);  // [B,K,T,D]
    v = l.v.forward(h).view({B, T, K, D}).transpose(1, 2);
  }
  q = Rope::apply(q, cos, sin);
  k = Rope::apply(k, cos, sin);
  if (keys.tokens) {  // B = 1, T = N tokens of many sequences
    auto y = keys.tokens->attend(layer, q[0].transpose(0, 1), k[0].transpose(0, 1), v[0].transpose(0, 1));
    return l.o.forward(y.reshape({B, T, H * D}));  // [N,H,D] -> [1,N,H*D]
  }
  if (keys.cache) std::tie(k, v) = keys.cache->append(layer, k, v);  // [B,K,S,D]
  auto y = attention(q, k, v, keys.mask, keys.cache ? 0.0 : topk_ratio_, attention_kernel_);  // [B,H,T,D]
  return l.o.forward(y.transpose(1, 2).reshape({B, T, H * D}));
}

at::Tensor Decoder::mlp_block(const DecoderLayer& l, const at::Tensor& h, RouterTrace* trace) const {
  if (!config_.moe) return l.mlp.forward(config_.mlp, h);
  auto r = moe_forward(*config_.moe, config_.mlp, l.router, l.experts, h, training_);
  if (trace) {
    trace->logits.push_back(r.logits);
    trace->selected.push_back(r.selected);
  }
  return r.out;
}

at::Tensor Decoder::block(int64_t layer, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                          const Keys& keys, RouterTrace* trace) const {
  const auto& l = layers_[static_cast<size_t>(layer)];
  auto attn_in = l.attn_norm.forward(x);
  auto attn = attention_block(l, attn_in, cos, sin, keys, layer);
  if (config_.block == BlockKind::kSequential) {
    auto h = x + attn;
    return h + mlp_block(l, l.mlp_norm.forward(h), trace);
  }
  auto mlp_in = config_.shared_block_norm ? attn_in : l.mlp_norm.forward(x);
  return x + (mlp_block(l, mlp_in, trace) + attn);  // HF Falcon's order: mlp += attn; x + mlp
}

at::Tensor Decoder::layer_forward(int64_t layer, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                  const at::Tensor& attn_mask, RouterTrace* trace) const {
  return block(layer, x, cos, sin, Keys{attn_mask, nullptr, nullptr}, trace);
}

at::Tensor Decoder::run(const at::Tensor& ids, const at::Tensor& mask_in, const at::Tensor& segments_in,
                        KvCache* cache, LogitsFor which, RouterTrace* trace) const {
  LLMCP_CHECK(ids.dim() == 2, kShapeMismatch, "input ids must be [batch, time], got ", ids.sizes());
  const int64_t B = ids.size(0), T = ids.size(1);
  auto dev = embed_.device();
  auto mask = mask_in.defined() ? mask_in.to(dev) : at::ones({B, T}, at::TensorOptions().dtype(at::kLong).device(dev));
  LLMCP_CHECK(mask.sizes() == ids.sizes(), kShapeMismatch, "attention mask ", mask.sizes(),
              " does not match input ids ", ids.sizes());
  at::Tensor segments;
  if (segments_in.defined()) {
    LLMCP_CHECK(!cache, kInvalidArgument, "packed segments cannot be combined with a KV cache");
    LLMCP_CHECK(segments_in.sizes() == ids.sizes(), kShapeMismatch, "segment ids ", segments_in.sizes(),
                " do not match input ids ", ids.sizes());
    segments = segments_in.to(dev).to(at::kLong);
  }
  at::Tensor positions, key_valid;
  int64_t past = 0;
  if (cache) {
    past = cache->length();
    positions = cache->begin_step(mask);
    key_valid = cache->key_mask();
  } else {
    auto m = mask.to(at::kLong);
    positions = (m.cumsum(1) - 1).clamp_min(0);
    key_valid = m.to(at::kBool);
    if (segments.defined()) {
      // Positions restart where the segment id changes: subtract the position at segment start.
      auto t = at::arange(T, positions.options()).expand({B, T});
      auto is_start = at::ones_like(segments, at::kBool);
      if (T > 1) is_start.narrow(1, 1, T - 1).copy_(segments.narrow(1, 1, T - 1) != segments.narrow(1, 0, T - 1));
      auto start = std::get<0>(at::where(is_start, t, at::zeros_like(t)).cummax(1));
      positions = (positions - positions.gather(1, start)).clamp_min(0);
    }
  }
  auto [cos, sin] = rope_->tables(positions, embed_.scalar_type());
  // Plain causal attention (every key a real token, the window wider than the slots, one segment)
  // needs no mask: the fused kernel then runs its causal path. Otherwise the boolean mask.
  const int64_t S = key_valid.size(1);
  const bool window_binds = config_.sliding_window && S > *config_.sliding_window;
  const bool plain_causal = !segments.defined() && !window_binds && key_valid.all().item<bool>();
  auto attn_mask =
      plain_causal ? at::Tensor() : build_attention_mask(key_valid, past, T, config_.sliding_window, segments);

  auto x = at::embedding(embed_, ids.to(dev));  // [B,T,C]
  const bool recompute = checkpointing_ && !cache && at::GradMode::is_enabled();
  for (int64_t layer = 0; layer < config_.num_layers; ++layer) {
    if (recompute) x = checkpointed_layer(*this, layer, x, cos, sin, attn_mask, trace);
    else x = block(layer, x, cos, sin, Keys{attn_mask, cache, nullptr}, trace);
  }
  if (cache) cache->end_step();
  if (which == LogitsFor::kLast) x = x.narrow(1, T - 1, 1);
  return final_norm_.forward(x);
}

at::Tensor Decoder::forward(const at::Tensor& ids, const at::Tensor& mask, KvCache* cache, LogitsFor which) const {
  return logits(run(ids, mask, {}, cache, which, nullptr));  // [B,T,V]
}

at::Tensor Decoder::forward_tokens(const at::Tensor& ids, const at::Tensor& positions, TokenAttention& attention,
                                  const at::Tensor& rows) const {
  LLMCP_CHECK(ids.dim() == 1 && positions.sizes() == ids.sizes() && rows.dim() == 1, kShapeMismatch,
              "a token step takes ids [N], positions [N] and rows [M]; got ", ids.sizes(), ", ", positions.sizes(),
              " and ", rows.sizes());
  const auto dev = embed_.device();
  const int64_t N = ids.size(0);
  auto [cos, sin] = rope_->tables(positions.to(dev).to(at::kLong).view({1, N}), embed_.scalar_type());
  auto x = at::embedding(embed_, ids.to(dev).view({1, N}));  // [1,N,C]
  const at::Tensor no_mask;
  for (int64_t layer = 0; layer < config_.num_layers; ++layer)
    x = block(layer, x, cos, sin, Keys{no_mask, nullptr, &attention}, nullptr);
  return logits(final_norm_.forward(x[0].index_select(0, rows.to(dev).to(at::kLong))));  // [M,V]
}

at::Tensor Decoder::logits(const at::Tensor& hidden) const {
  // Tied: the embedding is read at call time, so replacing it (modules_to_save) keeps them tied.
  if (config_.tie_word_embeddings) return Linear{lm_head_.name, embed_, {}, lm_head_.deltas, {}, {}}.forward(hidden);
  return lm_head_.forward(hidden);
}

at::Tensor Decoder::hidden_states(const at::Tensor& ids, const at::Tensor& mask, const at::Tensor& segments,
                                  RouterTrace* trace) const {
  return run(ids, mask, segments, nullptr, LogitsFor::kAll, trace);
}

std::vector<Linear*> Decoder::linears() {
  std::vector<Linear*> out;
  for (auto& l : layers_)
    for (const auto& mod : modules_)
      if (!mod.is_norm()) out.push_back(&linear_of(l, mod));
  if (!config_.tie_word_embeddings) out.push_back(&lm_head_);
  return out;
}

std::vector<TensorSlot> Decoder::tensors() {
  std::vector<TensorSlot> out;
  auto add = [&](const std::string& module, at::Tensor& w, at::Tensor& b) {
    if (w.defined()) out.push_back({module + ".weight", &w});
    if (b.defined()) out.push_back({module + ".bias", &b});
  };
  out.push_back({names_.embed + ".weight", &embed_});
  for (auto& l : layers_)
    for (const auto& mod : modules_) {
      if (mod.is_norm()) {
        auto& n = norm_of(l, mod);
        add(n.name, n.weight, n.bias);
      } else {
        auto& p = linear_of(l, mod);
        add(p.name, p.weight, p.bias);
      }
    }
  add(final_norm_.name, final_norm_.weight, final_norm_.bias);
  if (!config_.tie_word_embeddings) add(lm_head_.name, lm_head_.weight, lm_head_.bias);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<const quant::QuantizedWeight>>> Decoder::quantized_weights() const {
  std::vector<std::pair<std::string, std::shared_ptr<const quant::QuantizedWeight>>> out;
  for (auto* self = const_cast<Decoder*>(this); Linear* p : self->linears())
    if (p->quantized()) out.emplace_back(p->name, p->qweight);
  return out;
}

}  // namespace llmcp::model
