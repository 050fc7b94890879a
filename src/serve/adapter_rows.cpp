// Per-row adapter deltas; see adapter_rows.h.
#include "serve/adapter_rows.h"

#include <algorithm>

#include "core/error.h"
#include "peft/lora/lora_delta.h"

namespace llmcp::serve {
namespace {

// Plain LoRA runs of one step, all at once: each run's rows gathered into [runs, longest, in]
// (short runs padded with their last row, dropped again), the runs' A and B stacked (ranks padded
// with zeros), and two batched products, instead of two small products per run (S-LoRA's and
// Punica's gathered batched LoRA). Returns false (nothing done) when the runs' dtypes differ.
struct LoraRun {
  int64_t begin, count;
  const peft::LoraDelta* lora;
};
bool lora_runs(const std::vector<LoraRun>& runs, const at::Tensor& x2, at::Tensor& sum) {
  const auto dt = runs.front().lora->A().scalar_type();
  int64_t longest = 0, rank = 0;
  for (const auto& r : runs) {
    if (r.lora->A().scalar_type() != dt) return false;
    longest = std::max(longest, r.count);
    rank = std::max(rank, r.lora->rank());
  }
  const auto n = static_cast<int64_t>(runs.size());
  std::vector<int64_t> gather, kept, rows;
  std::vector<at::Tensor> As, Bs;
  std::vector<double> scales;
  for (int64_t i = 0; i < n; ++i) {
    const auto& r = runs[static_cast<size_t>(i)];
    for (int64_t t = 0; t < longest; ++t) {
      gather.push_back(r.begin + std::min(t, r.count - 1));
      if (t < r.count) kept.push_back(i * longest + t), rows.push_back(r.begin + t);
    }
    const int64_t pad = rank - r.lora->rank();
    As.push_back(pad ? at::constant_pad_nd(r.lora->A(), {0, 0, 0, pad}) : r.lora->A());  // [rank, in]
    Bs.push_back(pad ? at::constant_pad_nd(r.lora->B(), {0, pad}) : r.lora->B());        // [out, rank]
    scales.push_back(r.lora->scaling());
  }
  const auto index = [&](const std::vector<int64_t>& v) { return at::tensor(v, at::kLong).to(x2.device()); };
  const at::Tensor xg = x2.index_select(0, index(gather)).to(dt).view({n, longest, x2.size(1)});
  const at::Tensor h = at::bmm(xg, at::stack(As).transpose(1, 2));            // [n, longest, rank]
  at::Tensor y = at::bmm(h, at::stack(Bs).transpose(1, 2));                   // [n, longest, out]
  y = y * at::tensor(scales, at::TensorOptions().dtype(at::kDouble)).to(y.device(), dt).view({n, 1, 1});
  sum.index_copy_(0, index(rows), y.view({n * longest, -1}).index_select(0, index(kept)).to(sum.scalar_type()));
  return true;
}

// A linear layer's delta over a step's runs: each run gets its adapter's delta for this module.
class RunsDelta : public model::LinearDelta {
 public:
  RunsDelta(std::shared_ptr<const StepRuns> runs, std::map<std::string, std::shared_ptr<const model::LinearDelta>> by_adapter)
      : runs_(std::move(runs)), by_adapter_(std::move(by_adapter)) {}

  at::Tensor delta(const model::Linear& base, const at::Tensor& x, const at::Tensor& base_out) const override {
    const int64_t rows = x.numel() / x.size(-1);
    // The decoder's layers see the step's tokens; the LM head only the sampled rows.
    const RowRuns& r = rows == runs_->tokens.rows() ? runs_->tokens : runs_->sampled;
    LLMCP_CHECK(rows == r.rows(), kInternal, "adapter rows: ", rows, " rows for a step of ", runs_->tokens.rows(),
                " tokens and ", runs_->sampled.rows(), " sampled rows");
    auto x2 = x.reshape({rows, x.size(-1)});
    auto out2 = base_out.reshape({rows, base_out.size(-1)});
    at::Tensor sum;  // zeros, made when the first run needs it
    std::vector<LoraRun> loras;
    for (size_t i = 0; i < r.adapter.size(); ++i) {
      auto it = by_adapter_.find(r.adapter[i]);
      if (it == by_adapter_.end()) continue;  // the base, or an adapter that leaves this module alone
      const int64_t b = r.begin[i], n = r.end[i] - r.begin[i];
      if (!sum.defined()) sum = at::zeros_like(out2);
      const auto* lora = dynamic_cast<const peft::LoraDelta*>(it->second.get());
      if (lora && !lora->is_dora() && !lora->training()) {
        loras.push_back({b, n, lora});
        continue;
      }
      sum.narrow(0, b, n).copy_(it->second->delta(base, x2.narrow(0, b, n), out2.narrow(0, b, n)));
    }
    if (loras.size() > 1 && lora_runs(loras, x2, sum)) return sum.view(base_out.sizes());
    for (const auto& l : loras)
      sum.narrow(0, l.begin, l.count).copy_(l.lora->delta(base, x2.narrow(0, l.begin, l.count), out2.narrow(0, l.begin, l.count)));
    return sum.defined() ? sum.view(base_out.sizes()) : at::Tensor();  // base rows only: nothing to add
  }

 private:
  std::shared_ptr<const StepRuns> runs_;
  std::map<std::string, std::shared_ptr<const model::LinearDelta>> by_adapter_;
};

}  // namespace

void RowRuns::add(const std::string& name, int64_t count) {
  if (count <= 0) return;
  if (!adapter.empty() && adapter.back() == name) {
    end.back() += count;
    return;
  }
  const int64_t b = end.empty() ? 0 : end.back();
  begin.push_back(b);
  end.push_back(b + count);
  adapter.push_back(name);
}

AdapterRows::AdapterRows(peft::PeftModel& model) : model_(model) { model_.disable(); }

bool AdapterRows::has(const std::string& name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

void AdapterRows::attach(const std::string& name) {
  const auto& a = model_.adapter(name);
  LLMCP_CHECK(a.saved.empty() && a.biases.empty(), kInvalidArgument, "adapter '", name, "' replaces base tensors (",
              a.saved.empty() ? "trained biases" : "modules_to_save",
              "), which cannot be served per request beside other adapters; merge it into its base "
              "(merge_adapter / llm-mcp merge) and serve the merged model");
  if (!has(name)) names_.push_back(name);
  install();
}

void AdapterRows::detach(const std::string& name) {
  names_.erase(std::remove(names_.begin(), names_.end(), name), names_.end());
  install();
}

void AdapterRows::install() {
  model_.disable();  // the PEFT model attaches nothing itself: every delta below is per row
  std::map<std::string, std::map<std::string, std::shared_ptr<const model::LinearDelta>>> by_module;
  for (const auto& name : names_)
    for (const auto& [module, delta] : model_.adapter(name).modules) by_module[module][name] = delta;
  for (auto* l : model_.decoder().linears()) {
    l->deltas.clear();
    auto it = by_module.find(l->name);
    if (it != by_module.end()) l->deltas.push_back(std::make_shared<RunsDelta>(runs_, it->second));
  }
}

}  // namespace llmcp::serve
