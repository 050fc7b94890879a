// One optimizer step of the recipe (see recipe.h): this rank's micro-batches of the step, each
// one's forward and backward (with a sharded base, as many passes as the rank with the most, so
// the layers' gathers line up), the gradients summed over the ranks, the loss checked, then the
// clipped, scheduled update (skipped when fp16 gradients overflowed).
#include <cmath>

#include "core/error.h"
#include "core/log.h"
#include "train/autocast.h"
#include "train/recipe.h"
#include "train/schedule.h"

namespace llmcp::train {

void Recipe::check_loss(double loss) const {
  if (!std::isfinite(loss) && state_.global_step == 0 && !options_.resume)
    LLMCP_FAIL(kInvalidArgument, "the loss is ", loss, " at the first step, before any update: the model's weights "
               "hold NaN or infinite values", c_.bf16 ? ", or overflow in bf16 (try bf16: false)" : "",
               "; check the model with llm-mcp generate");
  LLMCP_CHECK(std::isfinite(loss), kInvalidArgument, "the loss became ", loss, " at step ", state_.global_step + 1,
              "; training stopped. ",
              last_checkpoint_.empty() ? std::string("No checkpoint was written yet")
                                       : "The last good checkpoint is " + last_checkpoint_.string(),
              ". Lower learning_rate, enable max_grad_norm, or check the data");
}

Recipe::StepResult Recipe::step() {
  dp_->reached(state_.global_step + 1);
  dp_->take_gather_stats();  // an evaluation's gathers are not the step's
  // This rank's share of the step's gradient_accumulation_steps x world micro-batches.
  const auto mine = dp_->micro_batches(static_cast<size_t>(state_.micro_batch), c_.gradient_accumulation_steps, plan_.size());
  std::vector<Batch> batches;
  double local_targets = 0, local_tokens = 0;
  StepResult s;
  for (size_t i : mine) {
    batches.push_back(collate(plan_[i], pad_));
    local_targets += static_cast<double>(batches.back().target_count());
    local_tokens += static_cast<double>(batches.back().attention.sum().item<int64_t>());
  }
  // Normalised by the whole step's target tokens and micro-batches (every rank's), so the summed
  // gradients are those of one process over the global batch.
  const auto totals = dp_->sum({local_targets, local_tokens, static_cast<double>(batches.size())});
  const double targets = totals[0], micro_batches = totals[2];
  s.tokens = static_cast<int64_t>(totals[1]);
  model_->set_training(true);
  model_->before_step(state_.global_step + 1, total_);
  optimizer_->zero_grad();
  double loss_sum = 0, router_sum = 0;
  // With a sharded base a layer's gathers are collectives, so every rank runs as many passes as
  // the rank with the most micro-batches: one short of them at an epoch's end repeats a pass with
  // a zero objective, which adds nothing to the gradients.
  const size_t passes = dp_->sharding()
                            ? dp_->most_micro_batches(static_cast<size_t>(state_.micro_batch),
                                                      c_.gradient_accumulation_steps, plan_.size())
                            : batches.size();
  if (passes > batches.size() && batches.empty()) batches.push_back(collate(plan_[static_cast<size_t>(state_.micro_batch)], pad_));
  const size_t real = mine.size();
  for (size_t k = 0; k < passes; ++k) {
    const bool filler = k >= real;
    dp_->compute([&] {
      LossSum l;
      {
        Autocast ac(c_.bf16, device_.type(), amp_dtype_);
        l = causal_lm_loss(model_->decoder(), batches[filler ? 0 : k], router_loss_);
      }
      // As HF with gradient accumulation: the router loss is averaged over the micro-batches.
      at::Tensor objective = targets > 0 ? l.sum / targets : at::Tensor();
      if (l.router.defined()) {
        auto r = l.router * (router_coef_ / micro_batches);
        objective = objective.defined() ? objective + r : r;
        if (!filler) router_sum += l.router.item<double>();
      }
      if (filler && objective.defined()) objective = objective * 0.0;
      if (k + 1 == passes) dp_->arm();  // the last backward sums the gradients over the ranks
      if (objective.defined()) (scaler_ ? scaler_->scale(objective) : objective).backward();
      if (!filler) loss_sum += l.sum.item<double>();
    });
  }
  if (passes == 0) dp_->arm();  // a short last step: this rank adds nothing, but takes part
  s.sync = dp_->finish();
  s.gathers = dp_->take_gather_stats();
  const bool stop_asked = options_.stop && options_.stop->load();
  const auto sums = dp_->sum({loss_sum, router_sum, stop_asked ? 1.0 : 0.0});
  s.router_loss = micro_batches > 0 ? sums[1] / micro_batches : 0;
  s.stop = sums[2] > 0;
  s.loss = (targets > 0 ? sums[0] / targets : 0) + router_coef_ * s.router_loss;
  check_loss(s.loss);
  bool finite = true;
  if (scaler_) {
    std::vector<at::Tensor> grads;
    for (const auto& p : optimizer_->params()) grads.push_back(p.tensor->grad());
    finite = scaler_->unscale(grads);
  }
  s.grad_norm = optimizer_->clip_grad_norm(c_.max_grad_norm);
  s.lr = c_.learning_rate * lr_multiplier(c_.lr_scheduler, state_.global_step, total_, warmup_);
  if (finite) optimizer_->step(s.lr);
  if (scaler_) {
    scaler_->update();
    if (!finite)
      core::log_warn("step ", state_.global_step + 1, ": float16 gradients overflowed, update skipped; loss scale now ",
                     scaler_->scale_value());
  }
  return s;
}

}  // namespace llmcp::train
