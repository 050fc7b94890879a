// Tools about models: list_models, model_info, download_model (local folders now; the Hugging
// Face Hub arrives with its own issue and is refused with a message saying how to do it by hand).
#include <filesystem>
#include <regex>

#include "core/error.h"
#include "core/workspace.h"
#include "engine/engine.h"
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {
namespace fs = std::filesystem;
namespace {

Json model_entry(const fs::path& dir, const std::string& name, const std::string& source) {
  Json j{{"name", name}, {"path", dir.string()}, {"source", source}};
  try {
    auto info = engine::model_info(dir.string());
    for (const char* k : {"architecture", "parameters", "dtype", "context_length"}) j[k] = info[k];
  } catch (const core::Error& e) {
    j["error"] = e.what();
  }
  return j;
}

Json list_models(ToolContext& ctx) {
  Json models = Json::array();
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(ctx.workspace.models_dir(), ec))
    if (ctx.listable(e.path()) && fs::exists(e.path() / "config.json")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) models.push_back(model_entry(d, d.filename().string(), "workspace"));
  for (const auto& root : ctx.workspace.read_only_roots()) {
    std::vector<fs::path> builtin;
    for (const auto& e : fs::directory_iterator(root, ec))
      if (fs::exists(e.path() / "config.json")) builtin.push_back(e.path());
    std::sort(builtin.begin(), builtin.end());
    for (const auto& d : builtin) models.push_back(model_entry(d, d.filename().string(), "built-in"));
  }
  return {{"models", models}, {"loaded", ctx.serving.models()}, {"workspace", ctx.workspace.models_dir().string()}};
}

Tool list_models_tool(ToolContext& ctx) {
  Tool t;
  t.name = "list_models";
  t.title = "List models";
  t.description =
      "Lists the models this server can use: the workspace's models/ folder and the built-in demo model "
      "(demo-base, a small Llama that trains in minutes on a CPU), with architecture, parameter count and dtype, "
      "plus the models currently loaded in memory. Pass a model's name (or its path) to the other tools.";
  t.input_schema = schema::object({});
  Json entry = schema::open_object({{"name", schema::string("name to pass to other tools")},
                                    {"path", schema::string("folder")},
                                    {"source", schema::enumeration({"workspace", "built-in"}, "where it lives")},
                                    {"architecture", schema::string("HF architectures[0]")},
                                    {"parameters", schema::integer("parameter count")}},
                                   {"name", "path", "source"});
  t.output_schema = schema::open_object({{"models", schema::array(entry, "available models")},
                                         {"loaded", schema::array(schema::any("a loaded model"), "models in memory")},
                                         {"workspace", schema::string("the models/ folder")}},
                                        {"models", "loaded"});
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json&, CallContext&) {
    ToolResult r;
    r.structured = list_models(ctx);
    return r;
  };
  return t;
}

Tool model_info_tool(ToolContext& ctx) {
  Tool t;
  t.name = "model_info";
  t.title = "Model details";
  t.description =
      "Reads a model's config.json (no weights are loaded) and reports its architecture, parameter count "
      "(active parameters for mixtures of experts), layers, hidden size, heads, vocabulary, context length, "
      "weights and KV-cache bytes. Works on a folder holding only config.json.";
  t.input_schema = schema::object({{"model", schema::string("model name (list_models) or folder path")}}, {"model"});
  t.output_schema = schema::open_object({{"path", schema::string("folder")},
                                         {"architecture", schema::string("HF architectures[0]")},
                                         {"parameters", schema::integer("parameter count")},
                                         {"context_length", schema::integer("max_position_embeddings")},
                                         {"weights_bytes", schema::integer("bytes of weights in the checkpoint dtype")}},
                                        {"path", "architecture", "parameters"});
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json& args, CallContext&) {
    const auto path = ctx.model_path(args["model"]);
    ToolResult r;
    r.structured = engine::model_info(path);
    r.structured["path"] = path;
    return r;
  };
  return t;
}

Tool download_model_tool(ToolContext& ctx) {
  Tool t;
  t.name = "download_model";
  t.title = "Add a model to the workspace";
  t.description =
      "Copies a model folder (config.json, *.safetensors, tokenizer files) into the workspace's models/ folder "
      "under `name`, after checking that it loads as a supported architecture. Hub ids such as "
      "'meta-llama/Llama-3.2-1B' are not downloaded yet: download them with `huggingface-cli download ID "
      "--local-dir DIR` and pass DIR.";
  t.input_schema = schema::object({{"model", schema::string("a local model folder (or a Hub id, refused for now)")},
                                   {"name", schema::string("name in models/ (default: the folder's name)")}},
                                  {"model"});
  t.output_schema = schema::open_object({{"name", schema::string("name to pass to other tools")},
                                         {"path", schema::string("the copy in models/")},
                                         {"architecture", schema::string("HF architectures[0]")},
                                         {"parameters", schema::integer("parameter count")}},
                                        {"name", "path"});
  t.task_support = TaskSupport::kOptional;
  t.handler = [&ctx](const Json& args, CallContext& call) {
    const std::string ref = args["model"];
    const bool hub_like = std::regex_match(ref, std::regex(R"([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)"));
    std::optional<fs::path> resolved;
    try {
      resolved = ctx.workspace.resolve(ref, core::Access::kRead);
    } catch (const core::Error&) {
      std::error_code ec;  // something is there (a symlink leading out): the refusal is the answer
      if (!hub_like || fs::exists(fs::symlink_status(ctx.workspace.home() / ref, ec))) throw;
    }
    if (!resolved || !fs::exists(*resolved)) {
      if (hub_like)
        return ToolResult::error("downloading from the Hugging Face Hub is not available yet ('" + ref +
                                 "'); run `huggingface-cli download " + ref +
                                 " --local-dir DIR` and call download_model with that folder (inside the workspace or "
                                 "a --allow-path root)");
      LLMCP_FAIL(kNotFound, "no folder ", ref, " (relative paths start in the workspace ", ctx.workspace.home().string(), ")");
    }
    const fs::path src = *resolved;
    LLMCP_CHECK(fs::is_directory(src) && fs::exists(src / "config.json"), kNotFound, ref,
                " is not a model folder (no config.json in it)");
    auto info = engine::model_info(src.string());  // refuses unsupported architectures before copying
    const std::string name = args.value("name", src.filename().string());
    const fs::path dst = ctx.workspace.output_path(name, ctx.workspace.models_dir(), "name");
    const fs::path tmp = ctx.workspace.models_dir() / ("." + name + ".partial");
    fs::remove_all(tmp);  // a symlink there is removed, not followed
    size_t files = 0, done = 0;
    for (const auto& e : fs::directory_iterator(src)) files += e.is_regular_file();
    fs::create_directories(tmp);
    for (const auto& e : fs::directory_iterator(src)) {
      if (!e.is_regular_file()) continue;
      LLMCP_CHECK(!call.cancelled(), kInvalidArgument, "cancelled");
      fs::copy_file(e.path(), tmp / e.path().filename());
      call.progress(static_cast<double>(++done), static_cast<double>(files), e.path().filename().string());
    }
    fs::rename(tmp, dst);  // the folder appears complete or not at all
    ToolResult r;
    r.structured = info;
    r.structured["name"] = name;
    r.structured["path"] = dst.string();
    return r;
  };
  return t;
}

}  // namespace

void add_model_tools(ToolContext& ctx) {
  auto& reg = ctx.server.registry();
  reg.add_tool(list_models_tool(ctx));
  reg.add_tool(model_info_tool(ctx));
  reg.add_tool(download_model_tool(ctx));
}

}  // namespace llmcp::mcp
