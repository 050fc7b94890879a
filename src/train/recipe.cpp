// The training loop shared by every method, step by step (see recipe.h). The batch plan of every
// epoch is a pure function of (seed, epoch), so a resumed run rebuilds it and skips the steps
// already taken; with the restored weights, moments and RNG state the losses after resuming
// equal an uninterrupted run's.
#include "train/recipe.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <mutex>
#include <numeric>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/runtime.h"
#include "core/workspace.h"
#include "train/autocast.h"
#include "train/data/batching.h"
#include "train/evaluate.h"
#include "train/schedule.h"

namespace llmcp::train {
namespace {

using Clock = std::chrono::steady_clock;

void log_dataset(const data::Dataset& ds, const char* role) {
  core::log_info(role, " data ", ds.path, ": ", data::format_name(ds.format), " format, ", ds.lines, " lines, ", ds.used,
                 " used, ", ds.skipped, " skipped, ", ds.truncated, " truncated");
  size_t shown = 0;
  for (const auto& e : ds.errors)
    if (shown++ < 10) core::log_warn(ds.path, " line ", e.line, ": ", e.reason);
  if (ds.errors.size() > 10) core::log_warn("... and ", ds.errors.size() - 10, " more skipped lines");
}

}  // namespace

std::vector<std::vector<Row>> epoch_plan(const TrainConfig& c, const std::vector<data::Example>& ex,
                                         const std::vector<size_t>& train_idx, int64_t epoch) {
  const uint64_t seed = c.seed + static_cast<uint64_t>(epoch) * 1000003ULL;
  std::vector<std::vector<Row>> out;
  if (c.packing) {
    auto order = data::length_bucketed_batches(ex, train_idx, 1, seed, /*shuffle=*/true);
    std::vector<size_t> flat;
    for (const auto& b : order) flat.insert(flat.end(), b.begin(), b.end());
    auto packed = data::pack_examples(ex, flat, c.seq_len);
    for (size_t i = 0; i < packed.size(); i += static_cast<size_t>(c.batch_size)) {
      std::vector<Row> batch;
      for (size_t j = i; j < std::min(packed.size(), i + static_cast<size_t>(c.batch_size)); ++j)
        batch.push_back({packed[j].ids, packed[j].mask, packed[j].segment});
      out.push_back(std::move(batch));
    }
    return out;
  }
  for (const auto& b : data::length_bucketed_batches(ex, train_idx, c.batch_size, seed, /*shuffle=*/true)) {
    std::vector<Row> batch;
    for (size_t i : b) batch.push_back({ex[i].ids, ex[i].mask, {}});
    out.push_back(std::move(batch));
  }
  return out;
}

Recipe::Recipe(const TrainConfig& c, const TrainOptions& options) : c_(c), options_(options), out_dir_(c.output_dir) {}

void Recipe::check_writable() const {
  if (!options_.write_roots.empty()) core::check_inside(out_dir_, options_.write_roots);
}

void Recipe::setup_output() {
  check_writable();
  std::error_code ec;
  if (dp_->writer() && std::filesystem::exists(out_dir_, ec)) remove_partial_checkpoints(out_dir_);
  dp_->barrier();  // the other ranks list what rank 0 kept
  existing_ = list_checkpoints(out_dir_);
  LLMCP_CHECK(options_.resume || existing_.empty(), kInvalidArgument, out_dir_.string(),
              " already holds checkpoints of a run; resume it (llm-mcp train --resume; MCP: resume_job), or "
              "choose another output_dir");
  LLMCP_CHECK(!options_.resume || !existing_.empty(), kNotFound, "nothing to resume: ", out_dir_.string(),
              " has no complete checkpoint; start the run without resuming");
  if (!existing_.empty()) last_checkpoint_ = existing_.back();
}

void Recipe::setup_data() {
  data::DataOptions dopt;
  dopt.train_on_all = c_.train_on_all;
  dopt.max_seq_len = c_.seq_len;
  dopt.template_name = c_.chat_template;
  auto ctx = data::DataContext::from_model_dir(c_.model, dopt);
  const auto& special = ctx.tokenizer().special();
  pad_ = special.pad.value_or(special.eos.value_or(0));
  train_ds_ = ctx.load(c_.dataset);
  log_dataset(*train_ds_, "training");
  train_idx_.resize(train_ds_->examples.size());
  std::iota(train_idx_.begin(), train_idx_.end(), 0);
  result_.data["train"] = data::summary_json(*train_ds_);
  if (!c_.eval_dataset.empty()) {
    auto eval_ds = ctx.load(c_.eval_dataset);
    log_dataset(eval_ds, "evaluation");
    result_.data["eval"] = data::summary_json(eval_ds);
    for (const auto& e : eval_ds.examples) eval_rows_.push_back({e.ids, e.mask, {}});
  } else if (c_.eval_fraction > 0) {
    auto split = data::split_train_eval(train_ds_->examples.size(), c_.eval_fraction, c_.seed);
    train_idx_ = split.train;
    for (size_t i : split.eval) eval_rows_.push_back({train_ds_->examples[i].ids, train_ds_->examples[i].mask, {}});
  }
  LLMCP_CHECK(!train_idx_.empty(), kInvalidArgument, "no training examples left in ", c_.dataset);
}

void Recipe::setup_model() {
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(c_.seed);
  }
  result_.rss_before_model_bytes = rss_bytes();
  model_ = TrainableModel::create(
      c_, c_.shard_base ? dp_->base_sharder(core::parse_device(c_.device).is_cuda()) : model::ShardFn{});
  core::log_info(model_->summary());
  // Mixtral's load-balancing loss: on when output_router_logits (the run's, else config.json's).
  const auto& moe = model_->decoder().config().moe;
  LLMCP_CHECK(moe || (!c_.output_router_logits.value_or(false) && !c_.router_aux_loss_coef), kInvalidArgument,
              "output_router_logits / router_aux_loss_coef apply to mixture-of-experts models; ", c_.model,
              " has no experts (drop the keys)");
  router_loss_ = moe && c_.output_router_logits.value_or(moe->output_router_logits);
  router_coef_ = moe ? c_.router_aux_loss_coef.value_or(moe->aux_loss_coef) : 0.0;
  // Mixed precision: autocast on the model's device, bf16; on GPUs without bf16 (V100, T4) fp16 with
  // loss scaling (GradScaler: a step whose gradients overflow is skipped and the scale halves).
  device_ = model_->decoder().device();
  amp_dtype_ = core::mixed_precision_dtype(device_);
  if (c_.bf16 && amp_dtype_ == at::kHalf) {
    scaler_.emplace(device_);
    core::log_info(device_.str(), " has no bf16: mixed precision in float16 with loss scaling");
  }
  optimizer_ = std::make_unique<Optimizer>(
      model_->parameters(), AdamWSettings{c_.learning_rate, c_.adam_beta1, c_.adam_beta2, c_.adam_epsilon, c_.weight_decay});
  std::vector<at::Tensor> trainable;
  for (const auto& p : optimizer_->params()) trainable.push_back(*p.tensor);
  dp_->sync_gradients_of(std::move(trainable));
}

void Recipe::setup_schedule() {
  const auto batches = static_cast<int64_t>(epoch_plan(c_, train_ds_->examples, train_idx_, 0).size());
  const int64_t per_step = c_.gradient_accumulation_steps * dp_->world();  // the global batch, in micro-batches
  steps_per_epoch_ = (batches + per_step - 1) / per_step;
  total_ = c_.max_steps > 0 ? c_.max_steps : c_.epochs * steps_per_epoch_;
  warmup_ = c_.warmup_steps > 0 ? c_.warmup_steps : static_cast<int64_t>(std::ceil(c_.warmup_ratio * total_));
}

void Recipe::setup_state() {
  std::error_code ec;
  if (options_.resume) {
    const auto saved_path = out_dir_ / "training_config.json";
    if (std::filesystem::exists(saved_path)) {
      auto saved = nlohmann::json::parse(core::read_file(saved_path), nullptr, false);
      result_.changed_keys = config_differences(saved, nlohmann::json::parse(c_.to_json().dump()));
      for (const auto& d : result_.changed_keys)
        core::log_warn("resuming with a changed setting, ", d, " (the run started with the first value)");
    }
    state_ = load_checkpoint(existing_.back(), *model_, *optimizer_);
    if (state_.micro_batch < 0) state_.micro_batch = state_.step_in_epoch * c_.gradient_accumulation_steps;
    if (dp_->writer()) MetricsLog::truncate_after(out_dir_ / "metrics.jsonl", state_.global_step);
    core::log_info("resuming from ", existing_.back().string(), " (step ", state_.global_step, ")");
    if (state_.world_size != dp_->world())
      core::log_info("the run trained on ", state_.world_size, " process(es), now ", dp_->world(),
                     ": it goes on from micro-batch ", state_.micro_batch, " of epoch ", state_.epoch);
  } else {
    state_.micro_batch = 0;
    if (dp_->writer()) std::filesystem::remove(out_dir_ / "metrics.jsonl", ec);
  }
  state_.world_size = dp_->world();
  if (!dp_->writer()) return;  // rank 0 writes
  check_writable();  // the folder is created only now, after data and weights loaded
  std::filesystem::create_directories(out_dir_);
  core::write_file_atomic(out_dir_ / "training_config.json", c_.to_json().dump(2) + "\n");
  metrics_ = std::make_unique<MetricsLog>(out_dir_ / "metrics.jsonl");
  progress_ = std::make_unique<Progress>(total_);
}

void Recipe::emit(const nlohmann::ordered_json& j) {
  if (!metrics_) return;  // not rank 0
  metrics_->append(j);
  if (options_.on_metrics) options_.on_metrics(j);
}

bool Recipe::evaluate() {
  if (eval_rows_.empty()) return false;
  model_->set_training(false);
  // Data-parallel: each rank scores its share of the rows and the sums are combined. With a
  // sharded base every rank runs every pass (a layer's gathers are collectives), so all score all.
  const bool split = dp_->world() > 1 && !dp_->sharding();
  std::vector<Row> mine;
  if (split)
    for (size_t i = static_cast<size_t>(dp_->rank()); i < eval_rows_.size(); i += static_cast<size_t>(dp_->world()))
      mine.push_back(eval_rows_[i]);
  EvalResult r;
  {
    Autocast ac(c_.bf16, device_.type(), amp_dtype_);
    r = train::evaluate(model_->decoder(), split ? mine : eval_rows_, c_.batch_size, pad_);
  }
  if (split) {
    const auto sums = dp_->sum({r.loss * static_cast<double>(r.tokens), static_cast<double>(r.tokens)});
    r.tokens = static_cast<int64_t>(sums[1]);
    r.loss = r.tokens ? sums[0] / sums[1] : 0;
    r.perplexity = std::exp(r.loss);
  }
  result_.eval_loss = r.loss;
  emit({{"step", state_.global_step}, {"eval_loss", r.loss}, {"eval_perplexity", r.perplexity}, {"eval_tokens", r.tokens}});
  if (progress_) progress_->message("eval at step " + std::to_string(state_.global_step) + ": loss " + std::to_string(r.loss) +
                     ", perplexity " + std::to_string(r.perplexity));
  if (!state_.has_best || r.loss < state_.best_eval_loss - c_.early_stopping_threshold) {
    state_.best_eval_loss = r.loss;
    state_.has_best = true;
    state_.evals_without_improvement = 0;
    return false;
  }
  ++state_.evals_without_improvement;
  return c_.early_stopping_patience > 0 && state_.evals_without_improvement >= c_.early_stopping_patience;
}

void Recipe::log_step(const StepResult& s, double seconds) {
  state_.elapsed_seconds = elapsed_before_ + std::chrono::duration<double>(Clock::now() - start_).count();
  const double per_step = state_.elapsed_seconds / static_cast<double>(state_.global_step);
  const double eta = per_step * static_cast<double>(total_ - state_.global_step);
  if (state_.global_step % c_.logging_steps != 0 && state_.global_step != total_) return;
  const double tokens_per_second = seconds > 0 ? static_cast<double>(s.tokens) / seconds : 0;
  nlohmann::ordered_json line = {
      {"step", state_.global_step},
      {"total_steps", total_},
      {"epoch", static_cast<double>(state_.epoch) + static_cast<double>(std::min<int64_t>(state_.micro_batch, static_cast<int64_t>(plan_.size()))) /
                    static_cast<double>(plan_.size())},
      {"loss", s.loss},
      {"lr", s.lr},
      {"grad_norm", s.grad_norm},
      {"tokens_per_second", tokens_per_second},
      {"peak_memory_bytes", peak_rss_bytes()},
      {"elapsed_seconds", state_.elapsed_seconds},
      {"eta_seconds", eta}};
  if (device_.is_cuda()) {
    const auto gpu = gpu_memory_peak(device_);
    line["peak_gpu_allocated_bytes"] = gpu.allocated_bytes;
    line["peak_gpu_reserved_bytes"] = gpu.reserved_bytes;
  }
  if (router_loss_) line["router_aux_loss"] = s.router_loss;
  if (dp_->world() > 1) {  // the gradient all-reduces of rank 0: what was sent, and what backward hid
    line["world_size"] = dp_->world();
    line["allreduce_bytes"] = s.sync.bytes;
    line["allreduce_buckets"] = s.sync.buckets;
    line["buckets_started_in_backward"] = s.sync.launched_in_backward;
    line["allreduce_wait_seconds"] = s.sync.wait_seconds;
  }
  if (dp_->sharding()) {  // the base's gathers: what this rank holds, and what the step fetched
    line["base_bytes_per_rank"] = dp_->shard_bytes();
    line["allgather_bytes"] = s.gathers.bytes;
    line["allgather_calls"] = s.gathers.calls;
    line["allgather_seconds"] = s.gathers.seconds;
  }
  emit(line);
  if (progress_) progress_->update(state_.global_step, s.loss, s.lr, tokens_per_second, eta);
}

TrainResult Recipe::train() {
  core::init_torch_threads();
  dp_ = std::make_unique<DataParallel>(options_.dist_timeout);
  setup_output();
  setup_data();  // a bad dataset fails before the weights are read
  setup_model();
  setup_schedule();
  setup_state();
  plan_ = epoch_plan(c_, train_ds_->examples, train_idx_, state_.epoch);
  start_ = Clock::now();
  elapsed_before_ = state_.elapsed_seconds;
  result_.stop_reason = c_.max_steps > 0 ? "max_steps" : "completed";
  while (state_.global_step < total_) {
    if (state_.micro_batch >= static_cast<int64_t>(plan_.size())) {
      ++state_.epoch;
      state_.step_in_epoch = 0;
      state_.micro_batch = 0;
      plan_ = epoch_plan(c_, train_ds_->examples, train_idx_, state_.epoch);
    }
    const auto step_start = Clock::now();
    const StepResult s = step();
    dp_->sum_in_place(model_->gradients_to_sum(state_.global_step + 1, total_));  // RigL's, at a mask update
    const auto structure_change = model_->after_step(state_.global_step + 1, total_, *optimizer_);
    ++state_.global_step;
    ++state_.step_in_epoch;
    state_.micro_batch += c_.gradient_accumulation_steps * dp_->world();
    state_.tokens_seen += s.tokens;
    result_.train_loss = s.loss;
    log_step(s, std::chrono::duration<double>(Clock::now() - step_start).count());
    if (!structure_change.is_null()) emit(structure_change);
    bool stop = false;
    if (c_.eval_steps > 0 && state_.global_step % c_.eval_steps == 0 && state_.global_step < total_) {
      stop = evaluate();
      if (stop) result_.stop_reason = "early_stopping";
    }
    // One process reads the flag now (after this step's metrics line, which a caller may answer
    // by setting it); ranks use what they agreed on in this step's sums, so all stop together.
    if (dp_->world() > 1 ? s.stop : options_.stop && options_.stop->load()) {
      stop = true;
      result_.stop_reason = "stopped";
    }
    const bool at_end = state_.global_step == total_ || stop;
    if ((c_.save_steps > 0 && state_.global_step % c_.save_steps == 0) || at_end) {
      if (at_end && result_.stop_reason != "early_stopping" && result_.stop_reason != "stopped") evaluate();
      if (dp_->writer()) {
        check_writable();
        last_checkpoint_ = save_checkpoint(out_dir_, *model_, *optimizer_, state_, c_.save_total_limit);
        progress_->message("checkpoint: " + last_checkpoint_.string());
      }
    }
    if (stop) break;
  }
  if (dp_->writer()) {
    progress_->finish();
    check_writable();
    model_->save(out_dir_);
  }
  result_.steps = state_.global_step;
  result_.peak_rss_bytes = peak_rss_bytes();
  result_.output_dir = out_dir_.string();
  result_.last_checkpoint = last_checkpoint_.string();
  return result_;
}

}  // namespace llmcp::train
