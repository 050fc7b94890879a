// Tools about models: list_models (the workspace, the built-in demo and the Hugging Face cache),
// model_info, download_model (a Hub id into the shared cache, or a local folder into the workspace).
#include <filesystem>

#include "core/error.h"
#include "core/workspace.h"
#include "engine/engine.h"
#include "engine/hub.h"
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {
namespace fs = std::filesystem;
namespace {

Json model_entry(const fs::path& dir, const std::string& name, const std::string& source) {
  Json j{{"name", name}, {"path", dir.string()}, {"source", source}};
  try {
    auto info = engine::model_info(dir.string());
    for (const char* k : {"architecture", "parameters", "dtype", "context_length"}) j[k] = info[k];
    if (info.contains("quantization")) j["quantization"] = info["quantization"];  // a quantized checkpoint's
  } catch (const core::Error& e) {
    j["error"] = e.what();
  }
  return j;
}

Json list_models(ToolContext& ctx) {
  Json models = Json::array();
  for (const auto& m : ctx.models()) models.push_back(model_entry(m.folder, m.name, m.source));
  return {{"models", models}, {"loaded", ctx.serving.models()}, {"workspace", ctx.workspace.models_dir().string()},
          {"hub_cache", engine::hub_cache_models()["cache"]}};
}

Tool list_models_tool(ToolContext& ctx) {
  Tool t;
  t.name = "list_models";
  t.title = "List models";
  t.description =
      "Lists the models this server can use: the workspace's models/ folder, the built-in demo model "
      "(demo-base, a small Llama that trains in minutes on a CPU) and the Hugging Face cache's models (by Hub id; "
      "download_model adds more), with architecture, parameter count and dtype, plus the models currently loaded "
      "in memory. Pass a model's name (or its path) to the other tools.";
  t.input_schema = schema::object({});
  Json entry = schema::open_object({{"name", schema::string("name to pass to other tools")},
                                    {"path", schema::string("folder")},
                                    {"source", schema::enumeration({"workspace", "built-in", "hub-cache"}, "where it lives")},
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

// A Hub model into the shared cache, as `llm-mcp download` does (progress per ~200 ms as
// notifications; cancellation stops it, keeping what arrived for the next call to resume).
ToolResult hub_download(const Json& args, CallContext& call) {
  engine::HubDownloadRequest req;
  req.repo = args["model"];
  req.revision = args.value("revision", std::string());
  for (const char* key : {"include", "exclude"})
    if (args.contains(key))
      for (const auto& g : args[key]) (std::string(key) == "include" ? req.include : req.exclude).push_back(g);
  req.cancel = call.cancel_flag();
  req.on_progress = [&call](const engine::HubDownloadProgress& p) {
    std::string active;
    for (const auto& f : p.active) active += (active.empty() ? "" : ", ") + f.path;
    call.progress(p.done_bytes, p.total_bytes,
                  std::to_string(p.files_done) + "/" + std::to_string(p.files_total) + " files" +
                      (active.empty() ? "" : "; downloading " + active));
  };
  auto j = engine::download_from_hub(req);
  engine::check_inside_hub_cache(j["folder"].get<std::string>());
  ToolResult r;
  r.structured = j;
  r.structured["name"] = req.revision.empty() ? req.repo : req.repo + "@" + req.revision;
  r.structured["path"] = j["folder"];
  try {
    const auto info = engine::model_info(j["folder"].get<std::string>());
    for (const char* k : {"architecture", "parameters", "dtype"}) r.structured[k] = info[k];
  } catch (const core::Error& e) {
    r.structured["warning"] = std::string("downloaded, but it cannot be used here: ") + e.what();
  }
  return r;
}

Tool download_model_tool(ToolContext& ctx) {
  Tool t;
  t.name = "download_model";
  t.title = "Download a model";
  t.description =
      "Downloads a model from the Hugging Face Hub (an id such as 'meta-llama/Llama-2-7b-hf', optionally "
      "'@REVISION') into the cache huggingface_hub and transformers share, then returns its name for the other tools "
      "(start_training, generate, ...). By default: the safetensors weights, config, generation config, tokenizer "
      "files and chat templates. Resumes an interrupted download; checks every file's sha256; works as a task with "
      "progress. Gated models need the server started with HF_TOKEN (or a `hf auth login` token). A local folder "
      "(inside the workspace or an --allow-path root) is copied into the workspace's models/ instead.";
  t.input_schema = schema::object(
      {{"model", schema::string("a Hub model id ORG/NAME[@REVISION], or a local model folder")},
       {"revision", schema::string("branch, tag or commit (Hub ids; default main)")},
       {"include", schema::array(schema::string("glob"), "only files matching one of these globs (Hub ids)")},
       {"exclude", schema::array(schema::string("glob"), "skip files matching these globs (Hub ids)")},
       {"name", schema::string("local folders: the name in models/ (default: the folder's name)")}},
      {"model"});
  t.output_schema = schema::open_object({{"name", schema::string("name to pass to other tools")},
                                         {"path", schema::string("the model's folder")},
                                         {"commit", schema::string("Hub commit (Hub ids)")},
                                         {"total_bytes", schema::integer("bytes of the selected files (Hub ids)")},
                                         {"downloaded_bytes", schema::integer("bytes downloaded now (Hub ids)")},
                                         {"architecture", schema::string("HF architectures[0]")},
                                         {"parameters", schema::integer("parameter count")}},
                                        {"name", "path"});
  t.task_support = TaskSupport::kOptional;
  t.handler = [&ctx](const Json& args, CallContext& call) {
    const std::string ref = args["model"];
    std::optional<fs::path> resolved;
    try {
      resolved = ctx.workspace.resolve(ref, core::Access::kRead);
    } catch (const core::Error&) {
      std::error_code ec;  // something is there (a symlink leading out): the refusal is the answer
      if (!engine::is_hub_id(ref) || fs::exists(fs::symlink_status(ctx.workspace.home() / ref, ec))) throw;
    }
    if (!resolved || !fs::exists(*resolved)) {
      if (engine::is_hub_id(ref) || args.contains("revision")) return hub_download(args, call);
      LLMCP_FAIL(kNotFound, "no folder ", ref, " (relative paths start in the workspace ", ctx.workspace.home().string(),
                 "), and it is not a Hub id (ORG/NAME)");
    }
    for (const char* key : {"revision", "include", "exclude"})
      LLMCP_CHECK(!args.contains(key), kInvalidArgument, key, " applies to Hub ids; ", ref, " is a local folder");
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
