// Inference tools on loaded models: generate (text completion), chat (a conversation through the
// model's chat template, with tools; tool calls come back parsed) and evaluate (loss, perplexity,
// tool-call exact match on a dataset).
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "engine/training.h"
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {
namespace fs = std::filesystem;
namespace {

std::vector<std::pair<std::string, Json>> sampling_properties() {
  return {{"max_new_tokens", schema::integer("tokens to generate at most (default: the model's, else 128)", 0, 32768)},
          {"temperature", schema::number("0 = greedy (default unless the model's generation_config samples)", 0.0)},
          {"top_k", schema::integer("keep the k likeliest tokens (0 = off)", 0)},
          {"top_p", schema::number("nucleus sampling mass (1 = off)", 0.0, 1.0)},
          {"min_p", schema::number("drop tokens below min_p x the top probability", 0.0, 1.0)},
          {"repetition_penalty", schema::number("HF's repetition penalty (1 = off)", 0.0)},
          {"seed", schema::integer("sampling seed", 0)},
          {"stop", schema::array(schema::string("stop string"), "cut the output before any of these")},
          {"truncate", schema::boolean("a prompt longer than the model's context keeps only its last tokens (default: "
                                       "an error naming the lengths)")}};
}

Json generation_outputs() {
  return schema::open_object({{"finish_reason", schema::enumeration({"eos", "stop", "length", "cancelled"}, "why it ended")},
                              {"prompt_tokens", schema::integer("prompt length")},
                              {"completion_tokens", schema::integer("tokens generated")}},
                             {"finish_reason", "prompt_tokens", "completion_tokens"});
}

// The adapter's name, loading it from adapters/<name> when it is not loaded yet.
std::string ensure_adapter(ToolContext& ctx, const Json& args) {
  const std::string name = args.value("adapter", "");
  if (name.empty()) return name;
  try {
    ctx.serving.adapter_model(name);
    return name;
  } catch (const core::Error&) {
  }
  const fs::path dir = ctx.adapter_path(name);
  LLMCP_CHECK(fs::exists(dir / "adapter_config.json"), kNotFound, "no adapter '", name,
              "' is loaded and no adapter folder by that name exists; list_adapters shows them");
  std::string model = args.value("model", "");
  if (model.empty()) {
    auto c = Json::parse(core::read_file(dir / "adapter_config.json"), nullptr, false);
    model = c.is_object() ? c.value("base_model_name_or_path", "") : "";
  }
  LLMCP_CHECK(!model.empty(), kInvalidArgument, "pass `model`: the adapter does not name its base model");
  const std::string as = dir.filename().string();
  ctx.serving.load_adapter(ctx.model_path(model), dir.string(), as);
  return as;
}

engine::GenerateRequest generation_request(ToolContext& ctx, const Json& args) {
  engine::GenerateRequest g;
  if (args.contains("model")) g.model_dir = ctx.model_path(args["model"]);
  if (args.contains("max_new_tokens")) g.max_new_tokens = args["max_new_tokens"].get<int64_t>();
  if (args.contains("temperature")) g.temperature = args["temperature"].get<double>();
  if (args.contains("top_k")) g.top_k = args["top_k"].get<int64_t>();
  if (args.contains("top_p")) g.top_p = args["top_p"].get<double>();
  if (args.contains("min_p")) g.min_p = args["min_p"].get<double>();
  if (args.contains("repetition_penalty")) g.repetition_penalty = args["repetition_penalty"].get<double>();
  g.seed = args.value("seed", uint64_t{0});
  if (args.contains("stop")) g.stop = args["stop"].get<std::vector<std::string>>();
  g.truncate = args.value("truncate", false);
  LLMCP_CHECK(!g.model_dir.empty() || args.contains("adapter"), kInvalidArgument,
              "name a `model` (list_models) or a loaded `adapter`");
  return g;
}

Json generation_json(const engine::GenerateResponse& r) {
  return {{"finish_reason", r.finish_reason},
          {"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"truncated_tokens", r.truncated_tokens},
          {"prefill_tokens_per_second", r.prefill_tokens_per_second},
          {"decode_tokens_per_second", r.decode_tokens_per_second}};
}

Tool generate_tool(ToolContext& ctx) {
  Tool t;
  t.name = "generate";
  t.title = "Generate text";
  t.description =
      "Continues a prompt with a model (optionally with a loaded adapter): plain text completion, no chat template. "
      "Use chat for conversations and tool calls. Greedy by default; progress notifications count tokens.";
  auto props = sampling_properties();
  props.insert(props.begin(), {{"prompt", schema::string("text to continue")},
                               {"model", schema::string("model name or folder (optional when adapter is given)")},
                               {"adapter", schema::string("a loaded adapter's name, or one in adapters/")}});
  t.input_schema = schema::object(props, {"prompt"});
  Json out = generation_outputs();
  out["properties"]["text"] = schema::string("the generated text");
  out["required"].push_back("text");
  t.output_schema = out;
  t.handler = [&ctx](const Json& args, CallContext& call) {
    auto g = generation_request(ctx, args);
    g.prompt = args["prompt"];
    const std::string adapter = ensure_adapter(ctx, args);
    int64_t pieces = 0;
    const double total = static_cast<double>(g.max_new_tokens.value_or(128));
    auto r = ctx.serving.generate(g, adapter, call.cancel_flag(), [&](const std::string&) {
      call.progress(static_cast<double>(++pieces), total);
      return true;
    });
    ToolResult res;
    res.structured = generation_json(r);
    res.structured["text"] = r.text;
    res.text = r.text;
    return res;
  };
  return t;
}

Tool chat_tool(ToolContext& ctx) {
  Tool t;
  t.name = "chat";
  t.title = "Chat with a model";
  t.description =
      "Sends a conversation (OpenAI-style messages, optional tools as JSON-schema function definitions) through the "
      "model's chat template and generates the assistant's reply. Tool calls in the reply (Hermes <tool_call>, "
      "Llama-3.1 JSON or Mistral [TOOL_CALLS], as the template writes them) come back parsed in tool_calls. Use "
      "`adapter` to chat with a fine-tuned adapter.";
  auto props = sampling_properties();
  props.insert(props.begin(),
               {{"messages", schema::array(schema::open_object({{"role", schema::string("system, user, assistant or tool")},
                                                                {"content", schema::any("the message text")}},
                                                               {"role"}),
                                           "the conversation so far")},
                {"tools", schema::array(schema::open_object({}), "tool definitions the model may call")},
                {"model", schema::string("model name or folder (optional when adapter is given)")},
                {"adapter", schema::string("a loaded adapter's name, or one in adapters/")}});
  t.input_schema = schema::object(props, {"messages"});
  Json out = generation_outputs();
  out["properties"]["content"] = schema::string("the reply's text outside tool calls");
  out["properties"]["tool_calls"] = schema::array(
      schema::open_object({{"name", schema::string("tool name")}, {"arguments", schema::open_object({})}},
                          {"name", "arguments"}),
      "parsed tool calls");
  out["properties"]["text"] = schema::string("everything generated");
  for (const char* k : {"content", "tool_calls", "text"}) out["required"].push_back(k);
  t.output_schema = out;
  t.handler = [&ctx](const Json& args, CallContext& call) {
    engine::ChatRequest req;
    req.generation = generation_request(ctx, args);
    req.adapter = ensure_adapter(ctx, args);
    req.messages = nlohmann::ordered_json::parse(args["messages"].dump());
    if (args.contains("tools")) req.tools = nlohmann::ordered_json::parse(args["tools"].dump());
    auto r = ctx.serving.chat(req, call.cancel_flag());
    ToolResult res;
    res.structured = generation_json(r.generation);
    res.structured["content"] = r.content;
    res.structured["tool_calls"] = Json::parse(r.tool_calls.dump());
    res.structured["text"] = r.text;
    res.structured["tool_call_style"] = r.tool_call_style;
    res.text = r.tool_calls.empty() ? r.content : r.content + "\ntool calls: " + r.tool_calls.dump();
    return res;
  };
  return t;
}

Tool evaluate_tool(ToolContext& ctx) {
  Tool t;
  t.name = "evaluate";
  t.title = "Evaluate a model on a dataset";
  t.description =
      "Measures a model (with an adapter, if given) on a JSONL dataset: loss per target token and perplexity, and "
      "for tool-calling data the exact match of the generated tool calls (greedy). Reports progress per tool-call "
      "case; runs as a task if asked.";
  t.input_schema = schema::object(
      {{"model", schema::string("base model name or folder")},
       {"adapter", schema::string("a loaded adapter's name, an adapter name in adapters/, or a PEFT folder")},
       {"dataset", schema::string("JSONL dataset: name or path")},
       {"batch_size", schema::integer("sequences per batch (default 8)", 1, 1024)},
       {"seq_len", schema::integer("truncate longer examples (default 2048)", 1)},
       {"max_new_tokens", schema::integer("tokens generated per tool-call case (default 128)", 1, 4096)},
       {"tool_calls", schema::boolean("measure tool-call exact match when the data has tool calls (default true)")}},
      {"model", "dataset"});
  t.output_schema = schema::open_object({{"loss", schema::number("mean loss per target token")},
                                         {"perplexity", schema::number("exp(loss)")},
                                         {"tokens", schema::integer("target tokens")},
                                         {"examples", schema::integer("examples scored")},
                                         {"tool_calls", schema::open_object({{"cases", schema::integer("cases")},
                                                                             {"exact_match", schema::integer("matches")},
                                                                             {"accuracy", schema::number("fraction")}})}},
                                        {"loss", "perplexity", "tokens", "examples"});
  t.task_support = TaskSupport::kOptional;
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json& args, CallContext& call) {
    engine::EvalRequest req;
    req.device = ctx.serving.device();
    req.model_dir = ctx.model_path(args["model"]);
    if (args.contains("adapter")) {  // a loaded adapter's name first, as generate and chat take it
      const std::string a = args["adapter"];
      for (const auto& l : ctx.serving.adapters())
        if (l.value("name", "") == a) req.adapter_dir = l.value("path", "");
      if (req.adapter_dir.empty()) req.adapter_dir = ctx.adapter_path(a);
    }
    req.data_path = ctx.dataset_path(args["dataset"]);
    req.batch_size = args.value("batch_size", int64_t{8});
    req.seq_len = args.value("seq_len", int64_t{2048});
    req.max_new_tokens = args.value("max_new_tokens", int64_t{128});
    req.tool_calls = args.value("tool_calls", true);
    req.stop = call.cancel_flag();
    int64_t cases = 0, matches = 0;
    req.on_case = [&](const nlohmann::ordered_json& c) {
      matches += c["match"].get<bool>();
      ++cases;
      call.progress(static_cast<double>(cases), std::nullopt,
                    std::to_string(matches) + "/" + std::to_string(cases) + " tool calls exact");
    };
    ToolResult r;
    r.structured = engine::evaluate(req);
    return r;
  };
  return t;
}

}  // namespace

void add_inference_tools(ToolContext& ctx) {
  auto& reg = ctx.server.registry();
  reg.add_tool(generate_tool(ctx));
  reg.add_tool(chat_tool(ctx));
  reg.add_tool(evaluate_tool(ctx));
}

}  // namespace llmcp::mcp
