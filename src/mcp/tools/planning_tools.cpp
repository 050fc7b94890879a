// estimate_memory and recommend_config: the memory planner and the recommender, through the same
// engine calls as `llm-mcp estimate` and `llm-mcp recommend`. Models are workspace names or
// paths, or Hub ids (from the cache, the built-in list whose config.json is compiled in, or fetched).
#include <filesystem>

#include "core/error.h"
#include "engine/hub.h"
#include "engine/planning.h"
#include "engine/training.h"
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {
namespace {

Json plan_inputs(bool with_dataset) {
  std::vector<std::pair<std::string, Json>> p = {
      {"model", schema::string("model name or folder (a folder with only config.json works)")},
      {"method", schema::enumeration(engine::training_methods(), "fine-tuning method")},
      {"gpu", schema::string("plan for this GPU (e.g. 'RTX 4090 24GB', 'A100 80GB', 'H100 80GB')")},
      {"memory_gb", schema::number("plan for this much memory instead", 0.0)},
      {"gpus", schema::integer("devices of that size, one training process each (the estimate is per process; "
                               "with shard_base each keeps 1/N of the base)", 1, 64)},
      {"seq_len", schema::integer("sequence length", 1)},
      {"batch_size", schema::integer("micro-batch size", 1)},
      {"gradient_checkpointing", schema::boolean("recompute activations in backward")},
      {"bf16", schema::boolean("bf16 mixed precision (default: on for a GPU, off on the CPU)")},
      {"lora_rank", schema::integer("LoRA/DoRA rank", 1)},
      {"config", schema::open_object({}, {})}};
  if (!with_dataset) p.push_back({"inference", schema::boolean("estimate generation instead of training")});
  if (with_dataset) {  // the recommender chooses these itself
    p = {p[0], p[2], p[3], p[4], {"dataset", schema::string("JSONL dataset (name or path)")}};
    return schema::object(p, {"model", "dataset"});
  }
  return schema::object(p, {"model"});
}

// The answers' shapes, as issue 10 specifies them (the CLI's --json has the same keys).
Json estimate_output() {
  return schema::open_object({{"fits", schema::boolean("whether the run fits the memory")},
                              {"total_bytes", schema::integer("estimated peak")},
                              {"available_bytes", schema::integer("memory of the GPU or the machine")},
                              {"breakdown", schema::open_object({}, {})}},
                             {"fits", "total_bytes", "available_bytes", "breakdown"});
}

Json recommend_output() {
  return schema::open_object({{"config", schema::open_object({}, {})},
                              {"yaml", schema::string("the config as YAML, ready for start_training")},
                              {"reasons", schema::array(schema::string("one sentence per choice"), "why")}},
                             {"config", "yaml", "reasons"});
}

// A workspace model, or a Hub id (planning needs only its config.json).
std::string plan_model(const ToolContext& ctx, const std::string& ref) {
  std::error_code ec;
  if (engine::is_hub_id(ref) && !std::filesystem::exists(std::filesystem::symlink_status(ctx.workspace.find(ref, ctx.workspace.models_dir()), ec))) {
    try {
      ctx.model_path(ref);  // a cached snapshot must stay inside the cache
    } catch (const core::Error& e) {
      if (e.code() != core::ErrorCode::kNotFound) throw;
    }
    return ref;  // the planner takes it from the cache, its built-in list, or fetches config.json alone
  }
  try {
    auto path = ctx.model_path(ref);
    if (std::filesystem::exists(std::filesystem::path(path) / "config.json") || !engine::planning_knows(ref)) return path;
  } catch (const core::Error&) {
    if (!engine::planning_knows(ref)) throw;
  }
  return ref;
}

engine::PlanHardware hardware_of(const Json& args) {
  engine::PlanHardware h;
  h.gpu = args.value("gpu", std::string());
  h.memory_gb = args.value("memory_gb", 0.0);
  h.gpus = args.value("gpus", int64_t{1});
  return h;
}

Tool estimate_tool(ToolContext& ctx) {
  Tool t;
  t.name = "estimate_memory";
  t.title = "Estimate training memory";
  t.description =
      "Estimates the peak memory of a fine-tuning run (or of inference) on a model and says whether it fits a GPU "
      "of the catalog ('RTX 4090 24GB', 'A100 80GB', 'H100 80GB', ...), a memory size, or this machine. The "
      "breakdown names where the bytes go (weights by dtype or 4-bit, trainable parameters, gradients, AdamW "
      "states, activations, logits, backward temporaries); when it does not fit, advice lists which change would "
      "make it fit. Settings not given take the trainer's defaults; `config` accepts any training config keys.";
  t.input_schema = plan_inputs(false);
  t.output_schema = estimate_output();
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json& args, CallContext&) {
    engine::EstimateRequest req;
    req.model = plan_model(ctx, args["model"]);
    req.hardware = hardware_of(args);
    req.inference = args.value("inference", false);
    Json config = args.value("config", Json::object());
    for (const char* k : {"method", "seq_len", "batch_size", "gradient_checkpointing", "bf16", "lora_rank"})
      if (args.contains(k)) config[k] = args[k];
    req.config = config;
    ToolResult r;
    r.structured = engine::estimate_memory(req);
    return r;
  };
  return t;
}

Tool recommend_tool(ToolContext& ctx) {
  Tool t;
  t.name = "recommend_config";
  t.title = "Recommend a training config";
  t.description =
      "Recommends a method (LoRA, DoRA, QLoRA, sparse), rank, target modules, learning rate, epochs, batch size "
      "with gradient accumulation, sequence length, checkpointing and precision for a model, dataset and GPU, "
      "following the seed's best practices by dataset size and checked against the memory planner. Returns the "
      "config (pass it to start_training as is), the same as YAML, and one reason per choice. Fails with what "
      "would fit when nothing does.";
  t.input_schema = plan_inputs(true);
  t.output_schema = recommend_output();
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json& args, CallContext&) {
    engine::RecommendRequest req;
    req.model = plan_model(ctx, args["model"]);
    req.dataset = ctx.dataset_path(args["dataset"]);
    req.hardware = hardware_of(args);
    ToolResult r;
    r.structured = engine::recommend_config(req);
    return r;
  };
  return t;
}

}  // namespace

void add_planning_tools(ToolContext& ctx) {
  auto& reg = ctx.server.registry();
  reg.add_tool(estimate_tool(ctx));
  reg.add_tool(recommend_tool(ctx));
}

}  // namespace llmcp::mcp
