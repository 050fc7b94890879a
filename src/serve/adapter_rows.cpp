// Per-row adapter deltas; see adapter_rows.h.
#include "serve/adapter_rows.h"

#include <algorithm>

#include "core/error.h"

namespace llmcp::serve {
namespace {

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
    at::Tensor sum = at::zeros_like(out2);
    bool any = false;
    for (size_t i = 0; i < r.adapter.size(); ++i) {
      auto it = by_adapter_.find(r.adapter[i]);
      if (it == by_adapter_.end()) continue;  // the base, or an adapter that leaves this module alone
      const int64_t b = r.begin[i], n = r.end[i] - r.begin[i];
      sum.narrow(0, b, n).copy_(it->second->delta(base, x2.narrow(0, b, n), out2.narrow(0, b, n)));
      any = true;
    }
    return any ? sum.view(base_out.sizes()) : at::zeros_like(base_out);
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
