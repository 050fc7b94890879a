// estimate_memory and recommend_config: their schemas are final, their answers come with the
// memory planner (its own issue). Until then each call is a tool error that says so and points to
// what works today, never a made-up estimate.
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {
namespace {

const char* kNotYet =
    " is not available yet: the memory planner and recommender land with their own issue. Meanwhile, "
    "model_info reports the weights and KV-cache bytes, and the README lists each method's measured memory.";

Json plan_inputs(bool with_dataset) {
  std::vector<std::pair<std::string, Json>> p = {
      {"model", schema::string("model name or folder (a folder with only config.json works)")},
      {"method", schema::enumeration({"lora", "qlora", "dora", "sparse", "full"}, "fine-tuning method")},
      {"gpu", schema::string("plan for this GPU (e.g. 'RTX 4090 24GB', 'A100 80GB', 'H100 80GB')")},
      {"memory_gb", schema::number("plan for this much memory instead", 0.0)},
      {"seq_len", schema::integer("sequence length", 1)},
      {"batch_size", schema::integer("micro-batch size", 1)},
      {"gradient_checkpointing", schema::boolean("recompute activations in backward")}};
  if (with_dataset) p.push_back({"dataset", schema::string("JSONL dataset (name or path)")});
  return schema::object(std::move(p), {"model"});
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

Tool planning_tool(const std::string& name, const std::string& title, const std::string& description, bool dataset) {
  Tool t;
  t.name = name;
  t.title = title;
  t.description = description;
  t.input_schema = plan_inputs(dataset);
  t.output_schema = dataset ? recommend_output() : estimate_output();
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [name](const Json&, CallContext&) { return ToolResult::error(name + kNotYet); };
  return t;
}

}  // namespace

void add_planning_tools(ToolContext& ctx) {
  auto& reg = ctx.server.registry();
  reg.add_tool(planning_tool("estimate_memory", "Estimate training memory",
                             "Estimates the memory a fine-tuning run needs (weights, adapters, gradients, optimizer "
                             "states, activations, logits, KV cache) and whether it fits the given GPU or memory. "
                             "Not available yet in this version: it answers with an error saying so.",
                             false));
  reg.add_tool(planning_tool("recommend_config", "Recommend a training config",
                             "Recommends a method, rank, learning rate, epochs, batch size and sequence length for a "
                             "model, dataset and GPU, as a ready-to-run config for start_training. Not available yet "
                             "in this version: it answers with an error saying so.",
                             true));
}

}  // namespace llmcp::mcp
