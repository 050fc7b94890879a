// Many adapters in one batch, unmerged (as S-LoRA and Punica serve LoRA): a step's tokens are
// ordered by adapter, and each linear layer any loaded adapter targets gets one delta that adds,
// for each run of rows, that run's adapter's own delta (its method's product: LoRA, DoRA,
// sparse; the base rows get none). The base weights are shared by every row.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "peft/peft_model.h"

namespace llmcp::serve {

// Runs of rows with one adapter each: [begin, end) and the adapter's name ("" = the base).
struct RowRuns {
  std::vector<int64_t> begin, end;
  std::vector<std::string> adapter;
  int64_t rows() const { return end.empty() ? 0 : end.back(); }
  void add(const std::string& name, int64_t count);  // appends, merging with the last run
};

// The row layout of the step being computed, read by every AdapterRows delta: the tokens' runs
// (the decoder's layers see [1, N, in]) and the sampled rows' runs (the LM head sees [M, in]).
struct StepRuns {
  RowRuns tokens, sampled;
};

class AdapterRows {
 public:
  explicit AdapterRows(peft::PeftModel& model);
  // Checks that `name` can be served per row (kInvalidArgument names what cannot: modules_to_save
  // and trained biases replace base tensors) and attaches the deltas of every loaded adapter.
  void attach(const std::string& name);
  void detach(const std::string& name);  // before the PEFT model deletes the adapter
  bool has(const std::string& name) const;
  void set_step(StepRuns runs) { *runs_ = std::move(runs); }

 private:
  void install();  // one delta per targeted linear layer, after any change
  peft::PeftModel& model_;
  std::shared_ptr<StepRuns> runs_ = std::make_shared<StepRuns>();
  std::vector<std::string> names_;
};

}  // namespace llmcp::serve
