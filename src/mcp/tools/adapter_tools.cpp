// Adapter tools: list_adapters (folders in the workspace and what is loaded), load_adapter /
// unload_adapter (for generate, chat and evaluate), merge_adapter (a complete model folder).
#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/workspace.h"
#include "engine/training.h"
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {
namespace fs = std::filesystem;
namespace {

Json adapter_config(const fs::path& dir) {
  auto j = Json::parse(core::read_file(dir / "adapter_config.json"), nullptr, false);
  return j.is_object() ? j : Json::object();
}

Json adapter_entry_schema() {
  return schema::open_object({{"name", schema::string("adapter name")},
                              {"path", schema::string("PEFT folder")},
                              {"loaded", schema::boolean("attached to a loaded model for generate/chat")}},
                             {"name", "path", "loaded"});
}

Tool list_adapters_tool(ToolContext& ctx) {
  Tool t;
  t.name = "list_adapters";
  t.title = "List adapters";
  t.description =
      "Lists the PEFT adapters in the workspace's adapters/ folder (finished training runs included) with their "
      "base model, type (LoRA/DoRA/sparse) and rank, and which are loaded for generate/chat.";
  t.input_schema = schema::object({});
  t.output_schema = schema::open_object({{"adapters", schema::array(adapter_entry_schema(), "adapters")}}, {"adapters"});
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json&, CallContext&) {
    Json loaded = ctx.serving.adapters();
    Json out = Json::array();
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(ctx.workspace.adapters_dir(), ec))
      if (ctx.listable(e.path()) && fs::exists(e.path() / "adapter_config.json")) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    for (const auto& d : dirs) {
      auto c = adapter_config(d);
      Json j{{"name", d.filename().string()},
             {"path", d.string()},
             {"base_model", c.value("base_model_name_or_path", Json())},
             {"peft_type", c.value("peft_type", Json())},
             {"r", c.value("r", Json())},
             {"use_dora", c.value("use_dora", false)},
             {"loaded", false}};
      for (const auto& l : loaded)
        if (l["path"] == fs::canonical(d).string()) j["loaded"] = true, j["loaded_as"] = l["name"];
      out.push_back(std::move(j));
    }
    for (const auto& l : loaded) {  // loaded from elsewhere (an allowed root)
      bool listed = false;
      for (const auto& j : out) listed = listed || j.value("loaded_as", Json()) == l["name"];
      if (!listed) {
        Json j = l;
        j["loaded"] = true;
        out.push_back(std::move(j));
      }
    }
    ToolResult r;
    r.structured = {{"adapters", out}};
    return r;
  };
  return t;
}

Tool load_adapter_tool(ToolContext& ctx) {
  Tool t;
  t.name = "load_adapter";
  t.title = "Load an adapter";
  t.description =
      "Loads a PEFT adapter (from adapters/ or a folder) onto its base model so generate, chat and evaluate can use "
      "it by name; several adapters can be loaded at once. The base model comes from `model`, else from the "
      "adapter's base_model_name_or_path.";
  t.input_schema = schema::object({{"adapter", schema::string("adapter name in adapters/, or a PEFT folder")},
                                   {"model", schema::string("base model name or folder (default: the adapter's own)")},
                                   {"name", schema::string("name to refer to it by (default: the folder's name)")}},
                                  {"adapter"});
  t.output_schema = schema::open_object({{"name", schema::string("loaded as")},
                                         {"path", schema::string("PEFT folder")},
                                         {"base_model", schema::string("the model it is attached to")},
                                         {"parameters", schema::integer("adapter parameters")}},
                                        {"name", "path", "base_model"});
  t.handler = [&ctx](const Json& args, CallContext&) {
    const fs::path dir = ctx.adapter_path(args["adapter"]);
    LLMCP_CHECK(fs::exists(dir / "adapter_config.json"), kNotFound, dir.string(),
                " is not a PEFT adapter folder (no adapter_config.json)");
    std::string model = args.value("model", "");
    if (model.empty()) {
      model = adapter_config(dir).value("base_model_name_or_path", "");
      LLMCP_CHECK(!model.empty(), kInvalidArgument, "the adapter does not name its base model; pass `model`");
    }
    const std::string name = args.value("name", dir.filename().string());
    core::check_name(name, "name");
    ToolResult r;
    r.structured = ctx.serving.load_adapter(ctx.model_path(model), dir.string(), name);
    ctx.server.list_changed("resources");
    return r;
  };
  return t;
}

Tool unload_adapter_tool(ToolContext& ctx) {
  Tool t;
  t.name = "unload_adapter";
  t.title = "Unload an adapter";
  t.description = "Detaches a loaded adapter from its model and frees it. The folder is not touched.";
  t.input_schema = schema::object({{"name", schema::string("the name it was loaded as")}}, {"name"});
  t.output_schema = schema::open_object({{"name", schema::string("unloaded")}, {"unloaded", schema::boolean("true")}},
                                        {"name", "unloaded"});
  t.handler = [&ctx](const Json& args, CallContext&) {
    ctx.serving.unload_adapter(args["name"]);
    ctx.server.list_changed("resources");
    ToolResult r;
    r.structured = {{"name", args["name"]}, {"unloaded", true}};
    return r;
  };
  return t;
}

Tool merge_adapter_tool(ToolContext& ctx) {
  Tool t;
  t.name = "merge_adapter";
  t.title = "Merge an adapter into its model";
  t.description =
      "Writes a complete model folder (models/<output>) with the adapter's weights added into the base, loadable "
      "without PEFT. A 4-bit base is re-quantized after merging unless dense is true (then the merged weights are "
      "written dense).";
  t.input_schema = schema::object(
      {{"adapter", schema::string("adapter name in adapters/, or a PEFT folder")},
       {"model", schema::string("base model (default: the adapter's base_model_name_or_path)")},
       {"output", schema::string("name of the new folder in models/")},
       {"dtype", schema::enumeration({"auto", "float32", "bfloat16", "float16"}, "dtype of the written weights")},
       {"dense", schema::boolean("quantized base: write dense merged weights")}},
      {"adapter", "output"});
  t.output_schema = schema::open_object({{"path", schema::string("the merged model folder")},
                                         {"name", schema::string("name to pass to other tools")},
                                         {"modules_merged", schema::integer("layers changed")}},
                                        {"path", "name"});
  t.task_support = TaskSupport::kOptional;
  t.handler = [&ctx](const Json& args, CallContext&) {
    const fs::path dir = ctx.adapter_path(args["adapter"]);
    std::string model = args.value("model", "");
    if (model.empty()) model = adapter_config(dir).value("base_model_name_or_path", "");
    LLMCP_CHECK(!model.empty(), kInvalidArgument, "the adapter does not name its base model; pass `model`");
    const std::string name = args["output"];
    const fs::path out = ctx.workspace.output_path(name, ctx.workspace.models_dir(), "output");
    engine::MergeRequest req{ctx.model_path(model), dir.string(), out.string(), args.value("dtype", "auto"),
                             args.value("dense", false)};
    ToolResult r;
    r.structured = engine::merge_adapter(req);
    r.structured["name"] = name;
    return r;
  };
  return t;
}

}  // namespace

void add_adapter_tools(ToolContext& ctx) {
  auto& reg = ctx.server.registry();
  reg.add_tool(list_adapters_tool(ctx));
  reg.add_tool(load_adapter_tool(ctx));
  reg.add_tool(unload_adapter_tool(ctx));
  reg.add_tool(merge_adapter_tool(ctx));
}

}  // namespace llmcp::mcp
