// The loop. The batch plan of every epoch is a pure function of (seed, epoch), so a resumed run
// rebuilds it and skips the steps already taken; with the restored weights, moments and RNG
// state the losses after resuming equal an uninterrupted run's.
#include "train/trainer.h"


#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/runtime.h"
#include "core/workspace.h"
#include "train/autocast.h"
#include "train/checkpoint.h"
#include "train/data/batching.h"
#include "train/data/dataset.h"
#include "train/evaluate.h"
#include "train/grad_scaler.h"
#include "train/loss.h"
#include "train/metrics.h"
#include "train/schedule.h"

namespace llmcp::train {
namespace {

using Clock = std::chrono::steady_clock;

// Micro-batches of one epoch, as rows.
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

void log_dataset(const data::Dataset& ds, const char* role) {
  core::log_info(role, " data ", ds.path, ": ", data::format_name(ds.format), " format, ", ds.lines, " lines, ", ds.used,
                 " used, ", ds.skipped, " skipped, ", ds.truncated, " truncated");
  size_t shown = 0;
  for (const auto& e : ds.errors)
    if (shown++ < 10) core::log_warn(ds.path, " line ", e.line, ": ", e.reason);
  if (ds.errors.size() > 10) core::log_warn("... and ", ds.errors.size() - 10, " more skipped lines");
}

}  // namespace

std::vector<std::string> config_differences(const nlohmann::json& saved, const nlohmann::json& now) {
  std::vector<std::string> out;
  std::function<void(const std::string&, const nlohmann::json&, const nlohmann::json&)> walk =
      [&](const std::string& prefix, const nlohmann::json& a, const nlohmann::json& b) {
        for (auto it = b.begin(); it != b.end(); ++it) {
          const std::string key = prefix + it.key();
          if (!a.contains(it.key())) continue;  // a key this version adds: not a change of the run
          const auto& old = a[it.key()];
          if (old.is_object() && it->is_object()) walk(key + ".", old, *it);
          else if (old != *it) out.push_back(key + ": " + old.dump() + " -> " + it->dump());
        }
      };
  if (saved.is_object() && now.is_object()) walk("", saved, now);
  return out;
}

namespace {

// The write confinement of a server's job (TrainOptions::write_roots), checked before each write.
void check_writable(const std::filesystem::path& out_dir, const TrainOptions& options) {
  if (!options.write_roots.empty()) core::check_inside(out_dir, options.write_roots);
}

TrainResult run(const TrainConfig& c, const TrainOptions& options) {
  core::init_torch_threads();
  const std::filesystem::path out_dir = c.output_dir;
  check_writable(out_dir, options);
  std::error_code ec;
  if (std::filesystem::exists(out_dir, ec)) remove_partial_checkpoints(out_dir);
  auto existing = list_checkpoints(out_dir);
  LLMCP_CHECK(options.resume || existing.empty(), kInvalidArgument, out_dir.string(),
              " already holds checkpoints of a run; resume it (llm-mcp train --resume; MCP: resume_job), or "
              "choose another output_dir");
  LLMCP_CHECK(!options.resume || !existing.empty(), kNotFound, "nothing to resume: ", out_dir.string(),
              " has no complete checkpoint; start the run without resuming");

  // Data first: a bad dataset fails before the weights are read.
  data::DataOptions dopt;
  dopt.train_on_all = c.train_on_all;
  dopt.max_seq_len = c.seq_len;
  dopt.template_name = c.chat_template;
  auto ctx = data::DataContext::from_model_dir(c.model, dopt);
  const auto& tok_special = ctx.tokenizer().special();
  const int32_t pad = tok_special.pad.value_or(tok_special.eos.value_or(0));
  auto train_ds = ctx.load(c.dataset);
  log_dataset(train_ds, "training");
  std::vector<size_t> train_idx(train_ds.examples.size()), eval_idx;
  std::iota(train_idx.begin(), train_idx.end(), 0);
  std::vector<Row> eval_rows;
  TrainResult result;
  result.data["train"] = data::summary_json(train_ds);
  if (!c.eval_dataset.empty()) {
    auto eval_ds = ctx.load(c.eval_dataset);
    log_dataset(eval_ds, "evaluation");
    result.data["eval"] = data::summary_json(eval_ds);
    for (const auto& e : eval_ds.examples) eval_rows.push_back({e.ids, e.mask, {}});
  } else if (c.eval_fraction > 0) {
    auto split = data::split_train_eval(train_ds.examples.size(), c.eval_fraction, c.seed);
    train_idx = split.train;
    for (size_t i : split.eval) eval_rows.push_back({train_ds.examples[i].ids, train_ds.examples[i].mask, {}});
  }
  LLMCP_CHECK(!train_idx.empty(), kInvalidArgument, "no training examples left in ", c.dataset);

  // The model and the optimizer.
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(c.seed);
  }
  result.rss_before_model_bytes = rss_bytes();
  auto model = TrainableModel::create(c);
  core::log_info(model->summary());
  // Mixtral's load-balancing loss: on when output_router_logits (the run's, else config.json's).
  const auto& moe = model->decoder().config().moe;
  LLMCP_CHECK(moe || (!c.output_router_logits.value_or(false) && !c.router_aux_loss_coef), kInvalidArgument,
              "output_router_logits / router_aux_loss_coef apply to mixture-of-experts models; ", c.model,
              " has no experts (drop the keys)");
  // Mixed precision: autocast on the model's device, bf16; on GPUs without bf16 (V100, T4) fp16 with
  // loss scaling (GradScaler: a step whose gradients overflow is skipped and the scale halves).
  const auto device = model->decoder().device();
  const auto amp_dtype = core::mixed_precision_dtype(device);
  std::optional<GradScaler> scaler;
  if (c.bf16 && amp_dtype == at::kHalf) {
    scaler.emplace(device);
    core::log_info(device.str(), " has no bf16: mixed precision in float16 with loss scaling");
  }
  const bool router_loss = moe && c.output_router_logits.value_or(moe->output_router_logits);
  const double router_coef = moe ? c.router_aux_loss_coef.value_or(moe->aux_loss_coef) : 0.0;
  Optimizer optimizer(model->parameters(), {c.learning_rate, c.adam_beta1, c.adam_beta2, c.adam_epsilon, c.weight_decay});

  const auto steps_per_epoch = [&] {
    const auto nb = static_cast<int64_t>(epoch_plan(c, train_ds.examples, train_idx, 0).size());
    return (nb + c.gradient_accumulation_steps - 1) / c.gradient_accumulation_steps;
  }();
  const int64_t total = c.max_steps > 0 ? c.max_steps : c.epochs * steps_per_epoch;
  const int64_t warmup = c.warmup_steps > 0 ? c.warmup_steps : static_cast<int64_t>(std::ceil(c.warmup_ratio * total));

  RunState state;
  if (options.resume) {
    const auto saved_path = out_dir / "training_config.json";
    if (std::filesystem::exists(saved_path)) {
      auto saved = nlohmann::json::parse(core::read_file(saved_path), nullptr, false);
      result.changed_keys = config_differences(saved, nlohmann::json::parse(c.to_json().dump()));
      for (const auto& d : result.changed_keys)
        core::log_warn("resuming with a changed setting, ", d, " (the run started with the first value)");
    }
    state = load_checkpoint(existing.back(), *model, optimizer);
    MetricsLog::truncate_after(out_dir / "metrics.jsonl", state.global_step);
    core::log_info("resuming from ", existing.back().string(), " (step ", state.global_step, ")");
  } else {
    std::filesystem::remove(out_dir / "metrics.jsonl", ec);
  }
  check_writable(out_dir, options);  // the folder is created only now, after data and weights loaded
  std::filesystem::create_directories(out_dir);
  core::write_file_atomic(out_dir / "training_config.json", c.to_json().dump(2) + "\n");
  MetricsLog metrics(out_dir / "metrics.jsonl");
  Progress progress(total);
  auto emit = [&](const nlohmann::ordered_json& j) {
    metrics.append(j);
    if (options.on_metrics) options.on_metrics(j);
  };

  auto run_eval = [&]() -> bool {  // true: stop early
    if (eval_rows.empty()) return false;
    model->set_training(false);
    EvalResult r;
    {
      Autocast ac(c.bf16, device.type(), amp_dtype);
      r = evaluate(model->decoder(), eval_rows, c.batch_size, pad);
    }
    result.eval_loss = r.loss;
    emit({{"step", state.global_step}, {"eval_loss", r.loss}, {"eval_perplexity", r.perplexity}, {"eval_tokens", r.tokens}});
    progress.message("eval at step " + std::to_string(state.global_step) + ": loss " + std::to_string(r.loss) +
                     ", perplexity " + std::to_string(r.perplexity));
    if (!state.has_best || r.loss < state.best_eval_loss - c.early_stopping_threshold) {
      state.best_eval_loss = r.loss;
      state.has_best = true;
      state.evals_without_improvement = 0;
      return false;
    }
    ++state.evals_without_improvement;
    return c.early_stopping_patience > 0 && state.evals_without_improvement >= c.early_stopping_patience;
  };

  auto plan = epoch_plan(c, train_ds.examples, train_idx, state.epoch);
  const auto start = Clock::now();
  const double elapsed_before = state.elapsed_seconds;
  std::filesystem::path last_checkpoint = existing.empty() ? std::filesystem::path() : existing.back();
  result.stop_reason = c.max_steps > 0 ? "max_steps" : "completed";
  while (state.global_step < total) {
    if (state.step_in_epoch >= steps_per_epoch) {
      ++state.epoch;
      state.step_in_epoch = 0;
      plan = epoch_plan(c, train_ds.examples, train_idx, state.epoch);
    }
    const auto step_start = Clock::now();
    const size_t first = static_cast<size_t>(state.step_in_epoch * c.gradient_accumulation_steps);
    const size_t last = std::min(plan.size(), first + static_cast<size_t>(c.gradient_accumulation_steps));
    std::vector<Batch> batches;
    int64_t targets = 0, tokens = 0;
    for (size_t i = first; i < last; ++i) {
      batches.push_back(collate(plan[i], pad));
      targets += batches.back().target_count();
      tokens += batches.back().attention.sum().item<int64_t>();
    }
    model->set_training(true);
    model->before_step(state.global_step + 1, total);
    optimizer.zero_grad();
    double loss_sum = 0, router_sum = 0;
    for (auto& b : batches) {
      LossSum l;
      {
        Autocast ac(c.bf16, device.type(), amp_dtype);
        l = causal_lm_loss(model->decoder(), b, router_loss);
      }
      // As HF with gradient accumulation: the router loss is averaged over the micro-batches.
      at::Tensor objective = targets > 0 ? l.sum / static_cast<double>(targets) : at::Tensor();
      if (l.router.defined()) {
        auto r = l.router * (router_coef / static_cast<double>(batches.size()));
        objective = objective.defined() ? objective + r : r;
        router_sum += l.router.item<double>() / static_cast<double>(batches.size());
      }
      if (objective.defined()) (scaler ? scaler->scale(objective) : objective).backward();
      loss_sum += l.sum.item<double>();
    }
    const double loss = (targets > 0 ? loss_sum / static_cast<double>(targets) : 0) + router_coef * router_sum;
    if (!std::isfinite(loss) && state.global_step == 0 && !options.resume)
      LLMCP_FAIL(kInvalidArgument, "the loss is ", loss, " at the first step, before any update: the model's weights "
                 "hold NaN or infinite values", c.bf16 ? ", or overflow in bf16 (try bf16: false)" : "",
                 "; check the model with llm-mcp generate");
    LLMCP_CHECK(std::isfinite(loss), kInvalidArgument, "the loss became ", loss, " at step ", state.global_step + 1,
                "; training stopped. ",
                last_checkpoint.empty() ? std::string("No checkpoint was written yet")
                                        : "The last good checkpoint is " + last_checkpoint.string(),
                ". Lower learning_rate, enable max_grad_norm, or check the data");
    bool finite = true;
    if (scaler) {
      std::vector<at::Tensor> grads;
      for (const auto& p : optimizer.params()) grads.push_back(p.tensor->grad());
      finite = scaler->unscale(grads);
    }
    const double grad_norm = optimizer.clip_grad_norm(c.max_grad_norm);
    const double lr = c.learning_rate * lr_multiplier(c.lr_scheduler, state.global_step, total, warmup);
    if (finite) optimizer.step(lr);
    if (scaler) {
      scaler->update();
      if (!finite)
        core::log_warn("step ", state.global_step + 1, ": float16 gradients overflowed, update skipped; loss scale now ",
                       scaler->scale_value());
    }
    const auto mask_update = model->after_step(state.global_step + 1, total, optimizer);
    ++state.global_step;
    ++state.step_in_epoch;
    state.tokens_seen += tokens;
    result.train_loss = loss;

    const double step_seconds = std::chrono::duration<double>(Clock::now() - step_start).count();
    state.elapsed_seconds = elapsed_before + std::chrono::duration<double>(Clock::now() - start).count();
    const double per_step = state.elapsed_seconds / static_cast<double>(state.global_step);
    const double eta = per_step * static_cast<double>(total - state.global_step);
    if (state.global_step % c.logging_steps == 0 || state.global_step == total) {
      nlohmann::ordered_json line = {
          {"step", state.global_step},
          {"total_steps", total},
          {"epoch", static_cast<double>(state.epoch) + static_cast<double>(state.step_in_epoch) / static_cast<double>(steps_per_epoch)},
          {"loss", loss},
          {"lr", lr},
          {"grad_norm", grad_norm},
          {"tokens_per_second", step_seconds > 0 ? static_cast<double>(tokens) / step_seconds : 0},
          {"peak_memory_bytes", peak_rss_bytes()},
          {"elapsed_seconds", state.elapsed_seconds},
          {"eta_seconds", eta}};
      if (device.is_cuda()) {
        const auto gpu = gpu_memory_peak(device);
        line["peak_gpu_allocated_bytes"] = gpu.allocated_bytes;
        line["peak_gpu_reserved_bytes"] = gpu.reserved_bytes;
      }
      if (router_loss) line["router_aux_loss"] = router_sum;
      emit(line);
      progress.update(state.global_step, loss, lr, step_seconds > 0 ? static_cast<double>(tokens) / step_seconds : 0, eta);
    }
    if (!mask_update.is_null()) emit(mask_update);
    bool stop = false;
    if (c.eval_steps > 0 && state.global_step % c.eval_steps == 0 && state.global_step < total) {
      stop = run_eval();
      if (stop) result.stop_reason = "early_stopping";
    }
    if (options.stop && options.stop->load()) {
      stop = true;
      result.stop_reason = "stopped";
    }
    const bool at_end = state.global_step == total || stop;
    if ((c.save_steps > 0 && state.global_step % c.save_steps == 0) || at_end) {
      if (at_end && result.stop_reason != "early_stopping" && result.stop_reason != "stopped") run_eval();
      check_writable(out_dir, options);
      last_checkpoint = save_checkpoint(out_dir, *model, optimizer, state, c.save_total_limit);
      progress.message("checkpoint: " + last_checkpoint.string());
    }
    if (stop) break;
  }
  progress.finish();
  check_writable(out_dir, options);
  model->save(out_dir);
  result.steps = state.global_step;
  result.peak_rss_bytes = peak_rss_bytes();
  result.output_dir = out_dir.string();
  result.last_checkpoint = last_checkpoint.string();
  return result;
}

}  // namespace

TrainResult run_training(const TrainConfig& c, const TrainOptions& options) {
  const std::filesystem::path out_dir = c.output_dir;
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(out_dir, ec) || std::filesystem::is_empty(out_dir, ec);
  try {
    return run(c, options);
  } catch (...) {
    // Nothing of value was written (no checkpoint): leave the folder as it was found. Never
    // touch a folder outside the write roots (the refusal itself may be why the run failed).
    if (!options.write_roots.empty() && !core::inside_any(out_dir, options.write_roots)) throw;
    if (fresh && list_checkpoints(out_dir).empty()) {
      if (std::filesystem::exists(out_dir, ec)) std::filesystem::remove_all(out_dir, ec);
    }
    throw;
  }
}

}  // namespace llmcp::train
