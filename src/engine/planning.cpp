// The planner's facade: resolves the model's shape, the hardware and the run's settings, asks the
// memory model (train/plan/) and, when the run does not fit, says which single change would make
// it fit, each measured by the same model.
#include "engine/planning.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/format.h"
#include "engine/datasets.h"
#include "engine/hub.h"
#include "peft/method.h"
#include "quant/codebook.h"
#include "train/plan/hardware.h"
#include "train/plan/recommend.h"
#include "train/plan/memory_estimate.h"
#include "train/train_config.h"
#include "train/train_method.h"

namespace llmcp::engine {
namespace {

// The run's settings with the keys planning does not need filled in.
train::TrainConfig plan_config(const std::string& model, nlohmann::json j, const plan::Hardware& hw) {
  LLMCP_CHECK(j.is_object(), kInvalidArgument, "the settings must be a mapping of training config keys");
  j["model"] = model;
  if (!j.contains("dataset")) j["dataset"] = "(planning)";
  if (!j.contains("output_dir")) j["output_dir"] = "(planning)";
  if (hw.device == "cuda") {  // planning for a GPU: what one runs there unless told otherwise
    if (!j.contains("device")) j["device"] = "cuda";
    if (!j.contains("bf16")) j["bf16"] = true;
  }
  return train::train_config_from_json(j);
}

nlohmann::ordered_json settings_json(const train::TrainConfig& c) {
  nlohmann::ordered_json j;
  j["method"] = c.method;
  j["batch_size"] = c.batch_size;
  j["seq_len"] = c.seq_len;
  j["gradient_checkpointing"] = c.gradient_checkpointing;
  j["bf16"] = c.bf16;
  j["device"] = c.device;
  if (!c.full() && peft::peft_method(c.lora.method).uses_rank()) j["lora_rank"] = c.lora.r;
  return j;
}

struct Fix {
  std::string change;
  nlohmann::json keys;  // config keys to set
};

}  // namespace

nlohmann::json estimate_memory(const EstimateRequest& req) {
  LLMCP_CHECK(!req.model.empty(), kInvalidArgument, "pass the model (a folder with config.json, or a Hub id)");
  auto shape = plan::load_model_shape(model_for_planning(req.model));
  if (is_hub_reference(req.model)) shape.name = req.model;  // not the snapshot's commit
  const auto hw = plan::plan_target(req.hardware.gpu, req.hardware.memory_gb, req.hardware.gpus);
  auto c = plan_config(req.model, req.config, hw);
  plan::PlanOptions opts;
  opts.attention = plan::parse_attention(req.attention);
  opts.processes = hw.count;  // one process per device: the estimate is each one's

  plan::MemoryEstimate e;
  if (req.inference) {
    plan::InferenceRequest r;
    r.batch_size = req.config.contains("batch_size") ? c.batch_size : 1;  // one sequence unless told
    r.context_tokens = req.context_tokens > 0 ? req.context_tokens : c.seq_len;
    r.dtype = c.bf16 ? "bfloat16" : "float32";
    const auto q = train::base_quantization(c);
    if (q.load_in_4bit)
      r.quantization = quant::quant_type_name(q.quant_type);
    else if (q.load_in_8bit)
      r.quantization = "int8";
    r.device = c.device;
    r.attention = opts.attention;
    e = plan::estimate_inference(shape, r);
  } else {
    e = plan::estimate_training(shape, c, opts);
  }
  nlohmann::ordered_json out;
  out["fits"] = e.total_bytes <= hw.memory_bytes;
  out["total_bytes"] = e.total_bytes;
  out["available_bytes"] = hw.memory_bytes;
  out["total"] = core::format_bytes(e.total_bytes);
  out["available"] = core::format_bytes(hw.memory_bytes);
  out["device"] = c.device;
  if (!req.inference) {
    out["processes"] = hw.count;
    out["shard_base"] = c.shard_base && hw.count > 1;
  }
  out["hardware"] = {{"name", hw.name}, {"memory_bytes", hw.memory_bytes}, {"count", hw.count}, {"source", hw.source}};
  out["model"] = {{"name", shape.name}, {"source", shape.source}, {"architecture", shape.config.architecture},
                  {"parameters", shape.parameters}};
  out["workload"] = req.inference ? "inference" : "training";
  out["settings"] = settings_json(c);
  if (req.inference) {
    out["settings"] = {{"batch_size", req.config.contains("batch_size") ? c.batch_size : 1},
                       {"context_tokens", req.context_tokens > 0 ? req.context_tokens : c.seq_len},
                       {"bf16", c.bf16}, {"device", c.device}};
  }
  const auto ej = e.to_json();
  out["peak_at"] = ej["peak_at"];
  out["trainable_parameters"] = ej["trainable_parameters"];
  out["breakdown"] = ej["breakdown"];
  out["details"] = ej["details"];

  // What would make it fit: each change alone, estimated by the same model.
  nlohmann::ordered_json advice = nlohmann::ordered_json::array();
  if (!req.inference && e.total_bytes > hw.memory_bytes) {
    std::vector<Fix> fixes;
    if (!c.gradient_checkpointing) fixes.push_back({"enable gradient checkpointing", {{"gradient_checkpointing", true}}});
    if (c.batch_size > 1)
      fixes.push_back({"batch_size 1 with gradient_accumulation_steps " + std::to_string(c.batch_size * c.gradient_accumulation_steps),
                       {{"batch_size", 1}, {"gradient_accumulation_steps", c.batch_size * c.gradient_accumulation_steps}}});
    if (c.seq_len > 512) fixes.push_back({"seq_len " + std::to_string(c.seq_len / 2), {{"seq_len", c.seq_len / 2}}});
    if (!c.bf16) fixes.push_back({"bf16 mixed precision", {{"bf16", true}}});
    // Full and LoRA-family runs on an unquantized base may switch to QLoRA.
    if ((c.full() || peft::peft_method(c.lora.method).uses_rank()) && !train::base_quantization(c).load_in_4bit)
      fixes.push_back({"QLoRA (4-bit NF4 base, double quantization)",
                       {{"method", "qlora"}, {"load_in_4bit", true}, {"bnb_4bit_quant_type", "nf4"},
                        {"bnb_4bit_use_double_quant", true}}});
    if (hw.count > 1 && !c.shard_base && !c.full())
      fixes.push_back({"shard_base: each of the " + std::to_string(hw.count) + " processes keeps 1/" +
                           std::to_string(hw.count) + " of the base",
                       {{"shard_base", true}}});
    fixes.push_back({"all of the above", nullptr});
    nlohmann::json all = req.config;
    for (const auto& f : fixes) {
      nlohmann::json j = req.config;
      const auto& keys = f.keys.is_null() ? all : f.keys;
      for (auto it = keys.begin(); it != keys.end(); ++it) j[it.key()] = it.value();
      if (!f.keys.is_null())
        for (auto it = f.keys.begin(); it != f.keys.end(); ++it) all[it.key()] = it.value();
      if (j.value("method", "") == "qlora") j.erase("use_dora");
      const auto cf = plan_config(req.model, j, hw);
      const auto ef = plan::estimate_training(shape, cf, opts);
      advice.push_back({{"change", f.change}, {"total_bytes", ef.total_bytes}, {"total", core::format_bytes(ef.total_bytes)},
                        {"fits", ef.total_bytes <= hw.memory_bytes}});
    }
    // More devices of this size with the base sharded across them (and every change above): the
    // fewest that hold it.
    if (!c.full()) {
      nlohmann::json j = all;
      j["shard_base"] = true;
      if (j.value("method", "") == "qlora") j.erase("use_dora");
      const auto sharded = plan_config(req.model, j, hw);
      auto more = opts;
      for (more.processes = std::max<int64_t>(2, hw.count); more.processes <= 64; more.processes *= 2) {
        const auto es = plan::estimate_training(shape, sharded, more);
        if (es.total_bytes > hw.memory_bytes && more.processes < 64) continue;
        std::string change = "all of the above with shard_base over 64 devices still does not fit: what every process "
                             "keeps whole (embeddings, activations, the adapter) is too large";
        if (es.total_bytes <= hw.memory_bytes) {
          const auto n = std::to_string(more.processes);
          change = "all of the above with shard_base over ";
          change += n;
          change += " devices of this size (--gpus ";
          change += n;
          change += "; train with --nproc-per-node ";
          change += n;
          change += "): each process's share";
        }
        advice.push_back({{"change", change},
                          {"total_bytes", es.total_bytes},
                          {"total", core::format_bytes(es.total_bytes)},
                          {"fits", es.total_bytes <= hw.memory_bytes}});
        break;
      }
    }
  }
  out["advice"] = advice;
  if (auto d = hub_download_size(req.model); !d.is_null()) out["download"] = d;  // disk, before any download
  return out;
}

namespace {

// Examples and their lengths in the model's tokens, or in bytes / 4 when the model has no tokenizer.
plan::DatasetStats dataset_stats(const std::string& model, const std::string& path) {
  plan::DatasetStats d;
  d.path = path;
  const std::filesystem::path dir(model);
  if (std::filesystem::exists(dir / "tokenizer.json") || std::filesystem::exists(dir / "tokenizer.model")) {
    ValidateDatasetRequest v;
    v.model_dir = model;
    v.data_path = path;
    const auto j = validate_dataset(v);
    d.examples = j.value("used", int64_t{0});
    if (j.contains("tokens") && j["tokens"].is_object()) {
      d.p50_tokens = j["tokens"].value("p50", int64_t{0});
      d.p95_tokens = j["tokens"].value("p95", int64_t{0});
      d.max_tokens = j["tokens"].value("max", int64_t{0});
    }
    return d;
  }
  std::ifstream in(path);
  LLMCP_CHECK(in.good(), kNotFound, "cannot read the dataset ", path);
  std::vector<int64_t> lengths;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) lengths.push_back(static_cast<int64_t>(line.size()) / 4);
  std::sort(lengths.begin(), lengths.end());
  d.examples = static_cast<int64_t>(lengths.size());
  d.approximate = true;
  if (!lengths.empty()) {
    auto at = [&](double q) { return lengths[static_cast<size_t>(q * static_cast<double>(lengths.size() - 1))]; };
    d.p50_tokens = at(0.5);
    d.p95_tokens = at(0.95);
    d.max_tokens = lengths.back();
  }
  return d;
}

}  // namespace

nlohmann::json recommend_config(const RecommendRequest& req) {
  LLMCP_CHECK(!req.model.empty() && !req.dataset.empty(), kInvalidArgument, "recommend needs the model and the dataset");
  const std::string folder = model_for_planning(req.model);
  auto shape = plan::load_model_shape(folder);
  if (is_hub_reference(req.model)) shape.name = req.model;
  const auto hw = plan::plan_target(req.hardware.gpu, req.hardware.memory_gb, req.hardware.gpus);
  const auto stats = dataset_stats(folder, req.dataset);
  const auto r = plan::recommend(shape, req.model, stats, hw);
  nlohmann::ordered_json out;
  out["config"] = r.config;
  out["yaml"] = plan::recommendation_yaml(r);
  out["reasons"] = nlohmann::ordered_json::array();
  for (const auto& [key, sentence] : r.reasons) out["reasons"].push_back(sentence);
  out["scenario"] = plan::scenario_name(r.scenario);
  out["constrained"] = r.constrained;
  out["dataset"] = {{"path", stats.path}, {"examples", stats.examples}, {"p50_tokens", stats.p50_tokens},
                    {"p95_tokens", stats.p95_tokens}, {"max_tokens", stats.max_tokens}, {"approximate", stats.approximate}};
  auto e = r.estimate.to_json();
  e["available_bytes"] = hw.memory_bytes;
  e["hardware"] = hw.name;
  out["estimate"] = e;
  return out;
}

}  // namespace llmcp::engine

namespace llmcp::engine {
bool planning_knows(const std::string& id) { return plan::known_model_config(id) != nullptr; }
}  // namespace llmcp::engine

namespace llmcp::engine {

nlohmann::json gpu_support_matrix(const PlanHardware& req, int64_t seq_len) {
  const auto hw = plan::plan_target(req.gpu, req.memory_gb, req.gpus);
  const char* models[] = {"meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-13b-hf", "meta-llama/Llama-2-70b-hf",
                          "mistralai/Mistral-7B-v0.1", "mistralai/Mixtral-8x7B-v0.1", "tiiuae/falcon-7b",
                          "tiiuae/falcon-40b"};
  const auto methods = train::training_methods();
  nlohmann::ordered_json out;
  out["hardware"] = hw.name;
  out["memory_bytes"] = hw.memory_bytes;
  out["seq_len"] = seq_len;
  out["methods"] = methods;
  out["models"] = nlohmann::ordered_json::array();
  for (const char* id : models) {
    const auto shape = plan::load_model_shape(id);
    nlohmann::ordered_json row;
    row["model"] = id;
    row["parameters"] = shape.parameters;
    nlohmann::ordered_json cells;
    for (const auto& method : methods) {
      nlohmann::json keys = {{"method", method}, {"batch_size", 1}, {"seq_len", seq_len}, {"bf16", true}};
      if (hw.device == "cuda") keys["device"] = "cuda";
      if (const auto* m = train::adapter_method(method)) keys.update(m->typical_keys(method));
      auto plain = plan_config(id, keys, hw);
      const auto e = plan::estimate_training(shape, plain).total_bytes;
      keys["gradient_checkpointing"] = true;
      const auto ec = plan::estimate_training(shape, plan_config(id, keys, hw)).total_bytes;
      nlohmann::ordered_json cell;
      cell["verdict"] = e <= hw.memory_bytes ? "fits" : (ec <= hw.memory_bytes ? "checkpointing" : "no");
      cell["bytes"] = e;
      cell["checkpointing_bytes"] = ec;
      cells[method] = cell;
    }
    row["cells"] = cells;
    out["models"].push_back(row);
  }
  return out;
}

}  // namespace llmcp::engine
