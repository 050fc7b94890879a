// The recommender's rules. The method and hyper-parameters come from the dataset's size (the
// seed's three scenarios); batch size, checkpointing and precision come from what the memory model
// says fits in 90% of the memory (the rest is headroom for what the model does not see).
#include "train/plan/recommend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "core/format.h"
#include "peft/method.h"
#include "train/train_config.h"
#include "train/train_method.h"

namespace llmcp::plan {
namespace {

constexpr double kHeadroom = 0.9;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

struct Candidate {
  nlohmann::ordered_json config;
  MemoryEstimate estimate;
  int64_t micro_batch = 0;
  bool checkpointing = false;
};

// The run's memory with these keys, as the trainer would parse them; per process when several.
MemoryEstimate estimate_keys(const ModelShape& m, const nlohmann::ordered_json& keys, int64_t processes) {
  nlohmann::json j = keys;
  j["dataset"] = "(planning)";
  j["output_dir"] = "(planning)";
  PlanOptions o;
  o.processes = processes;
  return estimate_training(m, train::train_config_from_json(j), o);
}

// The largest micro-batch (a power of two up to `effective`) that fits without checkpointing, or
// with it when that allows a larger one; none when even batch 1 with checkpointing does not fit.
std::optional<Candidate> best_fit(const ModelShape& m, nlohmann::ordered_json keys, int64_t effective, int64_t budget,
                                  int64_t processes) {
  std::optional<Candidate> best;
  for (bool ckpt : {false, true}) {
    for (int64_t mb = std::min<int64_t>(effective, 16); mb >= 1; mb /= 2) {
      keys["batch_size"] = mb;
      keys["gradient_checkpointing"] = ckpt;
      auto e = estimate_keys(m, keys, processes);
      if (e.total_bytes > budget) continue;
      if (!best || mb > best->micro_batch) best = Candidate{keys, e, mb, ckpt};
      break;
    }
    // Without checkpointing and with a useful batch: the faster run wins.
    if (best && !best->checkpointing && best->micro_batch >= std::min<int64_t>(4, effective)) break;
  }
  return best;
}

}  // namespace

const char* scenario_name(Scenario s) {
  switch (s) {
    case Scenario::kSmall: return "small dataset (under 10K examples)";
    case Scenario::kMedium: return "medium dataset (10K-100K examples)";
    case Scenario::kLarge: return "large dataset (100K+ examples)";
  }
  return "";
}

namespace {

// The scenario's method order and hyper-parameters (supported-models.md, Best Practices). Small
// datasets: 5-10 epochs, more the fewer the examples; rank 8 on q_proj / v_proj (the
// architecture's default targets when it has none of those).
struct Preset {
  std::vector<std::string> methods;
  int64_t epochs;
  double lr, dropout;
  int64_t rank, effective;  // effective: rows per update
  nlohmann::json targets;
};

Preset preset_for(Scenario scenario, const DatasetStats& d, const ModelShape& m) {
  Preset p = [&]() -> Preset {
    switch (scenario) {
      case Scenario::kSmall: {
        const auto epochs = std::lround(20000.0 / static_cast<double>(d.examples));
        return {{"dora", "lora"}, std::clamp<int64_t>(epochs, 5, 10), 5e-5, 0.1, 8, 16, nlohmann::json::array({"q_proj", "v_proj"})};
      }
      case Scenario::kMedium: return {{"lora", "qlora"}, 3, 1e-4, 0.05, 16, 32, "all-linear"};
      case Scenario::kLarge: break;
    }
    return {{"qlora", "lora"}, 1, 1e-4, 0.05, 16, 64, "all-linear"};
  }();
  p.effective = std::max<int64_t>(1, std::min(p.effective, d.examples));
  bool has_qv = false;
  for (const auto& l : m.linears)
    if (l.module.ends_with(".q_proj") || l.module.ends_with(".v_proj")) has_qv = true;
  if (p.targets.is_array() && !has_qv) p.targets = nullptr;
  return p;
}

// The config keys of `method` with the preset's settings, on top of `base`.
nlohmann::ordered_json method_keys(const nlohmann::ordered_json& base, const Preset& p, const std::string& method,
                                   bool gpu) {
  nlohmann::ordered_json k = base;
  k["method"] = method;
  const auto* m = train::adapter_method(method);
  if (m) {
    const auto typical = m->typical_keys(method);
    for (auto it = typical.begin(); it != typical.end(); ++it) k[it.key()] = it.value();
  }
  if (m && m->uses_rank()) {
    k["lora_rank"] = p.rank;
    k["lora_alpha"] = 2 * p.rank;
    k["lora_dropout"] = p.dropout;
    if (!p.targets.is_null()) k["target_modules"] = p.targets;
  }
  if (k.value("load_in_4bit", false)) k["bnb_4bit_compute_dtype"] = gpu ? "bfloat16" : "float32";
  k["learning_rate"] = p.lr;
  k["epochs"] = p.epochs;
  return k;
}

struct Choice {
  std::optional<Candidate> pick;
  std::string method;
  bool constrained = false;  // the preferred plan did not fit without checkpointing
};

// The preset's methods in order: the first that fits without checkpointing, else the first that
// fits at all; when that needs checkpointing, the resource-constrained advice (Best Practices 3):
// sparse fine-tuning, or QLoRA, with checkpointing, bf16 and batch 1.
Choice choose(const ModelShape& m, const nlohmann::ordered_json& base, const Preset& p, bool gpu, int64_t budget,
              int64_t processes) {
  Choice c;
  const int64_t per_process = std::max<int64_t>(1, p.effective / processes);  // rows per update, each process's share
  for (const auto& method : p.methods) {
    auto fit = best_fit(m, method_keys(base, p, method, gpu), per_process, budget, processes);
    if (fit && (!fit->checkpointing || !c.pick)) {
      c.pick = fit;
      c.method = method;
      if (!fit->checkpointing) return c;
    }
  }
  c.constrained = true;
  for (const std::string method : {"sparse", "qlora"}) {
    if (method == "qlora" && c.pick) break;  // checkpointed LoRA/DoRA beats a quantized base
    auto k = method_keys(base, p, method, gpu);
    k["bf16"] = true;
    k["gradient_checkpointing"] = true;
    k["batch_size"] = 1;
    if (estimate_keys(m, k, processes).total_bytes > budget) continue;
    if (auto fit = best_fit(m, k, per_process, budget, processes)) {
      c.pick = fit;
      c.method = method;
      break;
    }
  }
  return c;
}

// Nothing fits: the smallest plan's size, and what would hold it.
[[noreturn]] void fail_no_fit(const ModelShape& m, const nlohmann::ordered_json& base, const Preset& p, bool gpu,
                              int64_t seq, const Hardware& hw) {
  auto k = method_keys(base, p, "qlora", gpu);
  k["bf16"] = true;
  k["gradient_checkpointing"] = true;
  k["batch_size"] = 1;
  k["seq_len"] = std::min<int64_t>(seq, 512);
  const auto smallest = estimate_keys(m, k, 1);
  std::string gpus;
  for (const auto& g : gpu_catalog())
    if (static_cast<double>(smallest.total_bytes) <= static_cast<double>(g.memory_bytes) * kHeadroom)
      gpus += (gpus.empty() ? "" : ", ") + g.name;
  // The fewest devices of this size that hold it with the base sharded across them.
  std::string sharded = " Sharding the base does not bring it within 64 devices of this size.";
  auto ks = k;
  ks["shard_base"] = true;
  const int64_t budget = static_cast<int64_t>(static_cast<double>(hw.memory_bytes) * kHeadroom);
  for (int64_t n = std::max<int64_t>(2, hw.count * 2); n <= 64; n *= 2)
    if (const auto e = estimate_keys(m, ks, n); e.total_bytes <= budget) {
      sharded = " With the base sharded across " + std::to_string(n) + " devices of this size (shard_base: true, " +
                "--gpus " + std::to_string(n) + "; train with --nproc-per-node " + std::to_string(n) + ") each needs " +
                core::format_bytes(e.total_bytes) + ".";
      break;
    }
  LLMCP_FAIL(kInvalidArgument, "no plan fits ", core::format_bytes(hw.memory_bytes), " (", hw.name, "): the smallest, QLoRA ",
             "with gradient checkpointing, bf16, batch 1 and seq_len ", k["seq_len"].get<int64_t>(), ", needs ",
             core::format_bytes(smallest.total_bytes), ". ",
             gpus.empty() ? "No single GPU of the catalog holds it." : "It fits: " + gpus + ".", sharded);
}

// Accumulation up to the preset's rows per update, warmup and schedule, evaluation and saving.
// Each of `processes` computes its own micro-batches: a step takes micro-batch x accumulation x
// processes rows.
void schedule(Recommendation& r, const Candidate& pick, const Preset& p, const DatasetStats& d, int64_t processes) {
  const int64_t mb = pick.micro_batch;
  const int64_t accumulation = std::max<int64_t>(1, p.effective / (mb * processes));
  r.config["gradient_accumulation_steps"] = accumulation;
  r.config["warmup_ratio"] = 0.03;
  r.config["lr_scheduler"] = "cosine";
  if (d.examples >= 200) {
    r.config["eval_fraction"] = d.examples < 10000 ? 0.1 : 0.02;
    if (r.scenario == Scenario::kSmall) r.config["early_stopping_patience"] = 3;
  }
  const int64_t train_examples =
      static_cast<int64_t>(static_cast<double>(d.examples) * (1.0 - r.config.value("eval_fraction", 0.0)));
  const int64_t steps_per_epoch = std::max<int64_t>(1, train_examples / (mb * accumulation * processes));
  const int64_t every = std::max<int64_t>(10, steps_per_epoch * p.epochs / 20);
  if (r.config.contains("eval_fraction")) r.config["eval_steps"] = every;
  r.config["save_steps"] = every;
}

// The reasons, one sentence per choice, in the config's order.
void explain(Recommendation& r, const Choice& c, const Preset& p, const DatasetStats& d, int64_t seq, const Hardware& hw) {
  auto why = [&](std::string key, std::string sentence) { r.reasons.emplace_back(std::move(key), std::move(sentence)); };
  const int64_t mb = c.pick->micro_batch;
  const int64_t accumulation = r.config["gradient_accumulation_steps"].get<int64_t>();
  std::string advice = r.constrained ? "the memory is tight for it, so the plan follows the seed's advice for "
                                       "resource-constrained environments"
                                     : (r.scenario == Scenario::kLarge   ? "the plan follows the seed's advice for large datasets"
                                        : r.scenario == Scenario::kSmall ? "the plan follows the seed's advice for small datasets"
                                                                         : "the plan uses LoRA's defaults for a mid-sized dataset");
  why("", core::with_commas(d.examples) + " examples, a " + scenario_name(r.scenario) + "; " + advice + ". The estimate is " +
              core::format_bytes(r.estimate.total_bytes) + " of " + core::format_bytes(hw.memory_bytes) + " (" + hw.name + ").");
  if (c.method == "dora")
    why("method", "DoRA, the seed's pick for small datasets (better generalization than LoRA), fits this memory.");
  else if (c.method == "lora" && r.scenario == Scenario::kSmall)
    why("method", "LoRA rather than DoRA: DoRA's weight norms did not fit without gradient checkpointing.");
  else if (c.method == "lora" && r.scenario == Scenario::kLarge)
    why("method", "LoRA on a bf16/fp32 base: a QLoRA base needed checkpointing here while a full-precision one does not, and "
                  "the base's precision is then not lost.");
  else if (c.method == "lora")
    why("method", "LoRA: trains under 1% of the parameters and fits without quantizing the base.");
  else if (c.method == "qlora")
    why("method", r.constrained ? "QLoRA (4-bit NF4 base with double quantization): the full-precision base does not fit."
                                : "QLoRA (4-bit NF4 base with double quantization), the seed's choice for large datasets: a "
                                  "quarter of the base's memory, leaving room for larger batches.");
  else if (c.method == "sparse")
    why("method", "sparse fine-tuning (1% of each targeted weight, RigL masks), the seed's choice for constrained "
                  "environments: a LoRA/DoRA run did not fit without checkpointing.");
  why("seq_len", "seq_len " + std::to_string(seq) + " covers " + (d.p95_tokens <= seq ? "95%" : "most") +
                     " of the examples (median " + std::to_string(d.p50_tokens) + ", 95th percentile " +
                     std::to_string(d.p95_tokens) + ", longest " + std::to_string(d.max_tokens) + " tokens" +
                     (d.approximate ? ", approximated as bytes / 4: no tokenizer beside the model" : "") + ").");
  if (c.method != "sparse") {
    why("lora_rank", "rank " + std::to_string(p.rank) + ", alpha " + std::to_string(2 * p.rank) +
                         (r.scenario == Scenario::kSmall ? ": start small (rank 4-8) on a small dataset."
                                                         : ": more capacity for more data."));
    why("lora_dropout", "dropout " + num(p.dropout) +
                            (r.scenario == Scenario::kSmall ? ", higher than the usual 0.05, against overfitting few examples."
                                                            : ", the usual value; the data regularizes."));
    if (p.targets.is_array())
      why("target_modules", "q_proj and v_proj, the attention projections the seed starts with.");
    else if (p.targets.is_string())
      why("target_modules", "every linear layer, as QLoRA does for larger datasets.");
    else
      why("target_modules", "the architecture's default projections (it has no q_proj/v_proj).");
  }
  why("learning_rate", "learning rate " + num(p.lr) +
                           (r.scenario == Scenario::kSmall ? ", in the seed's lower range (1e-5 to 5e-5) for small datasets."
                                                           : (r.scenario == Scenario::kLarge ? ", the top of the seed's range for large datasets (5e-5 to 1e-4)."
                                                                                             : ", the bottom of the seed's LoRA range (1e-4 to 5e-4).")));
  why("epochs", std::to_string(p.epochs) + (p.epochs == 1 ? " epoch" : " epochs") +
                    (r.scenario == Scenario::kSmall ? std::string(": more passes over few examples (the seed says 5-10)") +
                                                          (r.config.contains("eval_fraction") ? ", with early stopping on the held-out part." : ".")
                                                    : (r.scenario == Scenario::kLarge ? ": fewer epochs with larger batches for large data."
                                                                                      : ": a few passes.")));
  const std::string procs = hw.count > 1 ? " x " + std::to_string(hw.count) + " processes" : "";
  why("batch_size", "micro-batch " + std::to_string(mb) + " x " + std::to_string(accumulation) +
                        " accumulation steps" + procs + " = " + std::to_string(mb * accumulation * hw.count) +
                        " rows per update: the largest micro-batch that fits, accumulation for the rest.");
  why("gradient_checkpointing", c.pick->checkpointing ? "gradient checkpointing on: without it the activations do not fit."
                                                    : "gradient checkpointing off: the activations fit, and it would cost a "
                                                      "third more compute.");
  if (r.config.value("shard_base", false))
    why("shard_base", "shard_base: the model does not fit one device, so each of the " + std::to_string(hw.count) +
                          " processes keeps 1/" + std::to_string(hw.count) + " of the base and gathers a layer for each "
                          "product; launch with --nproc-per-node " + std::to_string(hw.count) + ".");
  else if (hw.count > 1)
    why("", "Data-parallel over " + std::to_string(hw.count) + " devices (launch with --nproc-per-node " +
                std::to_string(hw.count) + "): each holds the whole model; the estimate is each one's.");
  why("bf16", r.config.value("bf16", false) ? "bf16 mixed precision: half the activation memory, the GPU's fast path."
                                            : "fp32 on the CPU: this machine's bf16 matmuls are not faster, and memory allows it.");
}

}  // namespace

Recommendation recommend(const ModelShape& m, const std::string& model_ref, const DatasetStats& d, const Hardware& hw) {
  LLMCP_CHECK(d.examples > 0, kInvalidArgument, d.path, " has no usable examples; validate it first");
  Recommendation r;
  r.scenario = d.examples < 10000 ? Scenario::kSmall : (d.examples < 100000 ? Scenario::kMedium : Scenario::kLarge);
  const bool gpu = hw.device == "cuda";
  const int64_t budget = static_cast<int64_t>(static_cast<double>(hw.memory_bytes) * kHeadroom);

  // Sequence length: the 95th percentile, in steps of 64, within the model's context.
  int64_t seq = std::max<int64_t>(128, (d.p95_tokens + 63) / 64 * 64);
  seq = std::min(seq, std::min<int64_t>(m.config.max_position > 0 ? m.config.max_position : 4096, 4096));

  nlohmann::ordered_json base;
  base["model"] = model_ref;
  base["dataset"] = d.path;
  base["output_dir"] = "runs/" + m.name.substr(m.name.rfind('/') + 1) + "-adapter";
  base["seq_len"] = seq;
  base["bf16"] = gpu;
  if (gpu) base["device"] = "cuda";

  const Preset preset = preset_for(r.scenario, d, m);
  // Several devices: data-parallel with the whole model on each when it fits, else the base
  // sharded across them (more communication: a layer's gathers each pass).
  Choice choice = choose(m, base, preset, gpu, budget, hw.count);
  if (!choice.pick && hw.count > 1) {
    base["shard_base"] = true;
    choice = choose(m, base, preset, gpu, budget, hw.count);
  }
  if (!choice.pick) fail_no_fit(m, base, preset, gpu, seq, hw);
  r.constrained = choice.constrained;
  r.config = choice.pick->config;
  r.estimate = choice.pick->estimate;
  schedule(r, *choice.pick, preset, d, hw.count);
  explain(r, choice, preset, d, seq, hw);
  return r;
}

std::string recommendation_yaml(const Recommendation& r) {
  std::ostringstream out;
  out << "# Recommended by llm-mcp recommend: " << scenario_name(r.scenario) << "\n";
  for (const auto& [key, sentence] : r.reasons)
    if (key.empty()) out << "# " << sentence << "\n";
  for (auto it = r.config.begin(); it != r.config.end(); ++it) {
    for (const auto& [key, sentence] : r.reasons)
      if (key == it.key()) out << "# " << sentence << "\n";
    out << it.key() << ": " << it.value().dump() << "\n";
  }
  return out.str();
}

}  // namespace llmcp::plan
