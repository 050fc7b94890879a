// validate_dataset: checks a JSONL training file against a model's tokenizer and chat template
// before a run is started, so format errors surface with their line numbers, not hours in.
#include "engine/datasets.h"
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {

void add_data_tools(ToolContext& ctx) {
  Tool t;
  t.name = "validate_dataset";
  t.title = "Check a training dataset";
  t.description =
      "Reads a JSONL dataset (text, instruction, chat or tool-calling records) with a model's tokenizer and chat "
      "template and reports: the detected format, how many lines are usable, every bad line with its number and "
      "the reason, keys the format ignores, token-length statistics (min/mean/p50/p95/max, how many examples "
      "seq_len would truncate) and the first example as the model will see it, with the part the loss trains on "
      "marked ⟦like this⟧. Run it before start_training. Built-in datasets: tool_calls_train.jsonl, "
      "tool_calls_eval.jsonl, chat.jsonl, instruction.jsonl, text.jsonl.";
  t.input_schema = schema::object(
      {{"dataset", schema::string("JSONL file: a name in the workspace's datasets/ (or a built-in one), or a path")},
       {"model", schema::string("model whose tokenizer and chat template to use (e.g. demo-base)")},
       {"template", schema::string("chat template name or .jinja file (default: the model's)")},
       {"seq_len", schema::integer("count examples longer than this (default: no limit)", 0)},
       {"max_errors", schema::integer("report at most this many bad lines (default 20)", 0, 10000)}},
      {"dataset", "model"});
  Json tokens = schema::open_object({{"min", schema::integer("shortest example")},
                                     {"max", schema::integer("longest example")},
                                     {"mean", schema::number("mean length")},
                                     {"total", schema::integer("all tokens")},
                                     {"targets", schema::integer("tokens in the loss")}});
  Json error = schema::open_object({{"line", schema::integer("1-based line")}, {"reason", schema::string("what is wrong")}},
                                   {"line", "reason"});
  t.output_schema = schema::open_object(
      {{"path", schema::string("the file")},
       {"format", schema::enumeration({"text", "instruction", "chat", "tool_calls"}, "detected record format")},
       {"lines", schema::integer("lines in the file")},
       {"used", schema::integer("usable examples")},
       {"skipped", schema::integer("bad lines")},
       {"errors", schema::array(error, "bad lines, in file order")},
       {"tokens", tokens},
       {"example", schema::open_object({{"marked", schema::string("the example, trained spans in ⟦ ⟧")}})}},
      {"path", "format", "lines", "used", "skipped", "errors", "tokens"});
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json& args, CallContext&) {
    engine::ValidateDatasetRequest req;
    req.data_path = ctx.dataset_path(args["dataset"]);
    req.model_dir = ctx.model_path(args["model"]);
    req.chat_template = args.value("template", "");
    if (!req.chat_template.empty() && req.chat_template.find('/') != std::string::npos)
      req.chat_template = ctx.workspace.resolve(req.chat_template, core::Access::kRead).string();
    req.seq_len = args.value("seq_len", int64_t{0});
    req.max_errors = args.value("max_errors", int64_t{20});
    ToolResult r;
    r.structured = engine::validate_dataset(req);
    const auto& s = r.structured;
    r.text = s["path"].get<std::string>() + ": " + s["format"].get<std::string>() + " records, " +
             std::to_string(s["used"].get<int64_t>()) + " usable of " + std::to_string(s["lines"].get<int64_t>()) +
             " lines, " + std::to_string(s["skipped"].get<int64_t>()) + " bad.\n" + s.dump(2);
    return r;
  };
  ctx.server.registry().add_tool(std::move(t));
}

}  // namespace llmcp::mcp
