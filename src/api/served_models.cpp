// ServedModels; see served_models.h.
#include "api/served_models.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"

namespace llmcp::api {
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

std::string canonical_or_empty(const std::string& p) {
  std::error_code ec;
  auto c = fs::canonical(p, ec);
  return ec ? std::string() : c.string();
}

Json model_card(const std::string& id, const std::string& root, const Json& parent) {
  const auto t = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return {{"id", id}, {"object", "model"}, {"created", t.count()}, {"owned_by", "llm-mcp"}, {"root", root}, {"parent", parent}};
}

}  // namespace

ServedModels::ServedModels(engine::Serving& serving, const ApiOptions& options) : serving_(serving), opt_(options) {
  if (workspace()) {
    LLMCP_CHECK(opt_.model_path && opt_.list_models, kInternal, "the OpenAI API needs a model or a workspace");
    return;
  }
  model_path_ = canonical_or_empty(opt_.model_dir);
  LLMCP_CHECK(!model_path_.empty(), kNotFound, "model folder '", opt_.model_dir, "' does not exist");
}

std::string ServedModels::model_folder(const std::string& ref) const {
  try {
    const auto dir = opt_.model_path(ref);
    return fs::exists(fs::path(dir) / "config.json") ? dir : std::string();
  } catch (const core::Error& e) {
    if (e.code() == core::ErrorCode::kNotFound) return "";
    throw;  // outside the workspace: say so
  }
}

ServedModels::Target ServedModels::resolve(const std::string& m) const {
  if (!workspace() && (m.empty() || m == opt_.served_name || m == opt_.model_dir)) return {opt_.model_dir, ""};
  LLMCP_CHECK(!m.empty(), kInvalidArgument, "name a 'model': GET /v1/models lists the models and adapters");
  for (const auto& a : serving_.adapters())
    if (a["name"] == m) return {a["base_model"], m};
  if (workspace()) {
    const auto dir = model_folder(m);
    if (!dir.empty()) return {dir, ""};
    LLMCP_FAIL(kNotFound, "The model `", m,
               "` does not exist: GET /v1/models lists the workspace's models and the loaded adapters");
  }
  LLMCP_FAIL(kNotFound, "The model `", m, "` does not exist: GET /v1/models lists the base model (", opt_.served_name,
             ") and the loaded adapters");
}

Json ServedModels::list() const {
  Json data = Json::array();
  std::map<std::string, std::string> id_of;  // canonical folder -> id
  if (workspace()) {
    for (const auto& [id, folder] : opt_.list_models()) {
      const auto c = canonical_or_empty(folder);
      if (!id_of.count(c)) id_of[c] = id;
      data.push_back(model_card(id, folder, nullptr));
    }
  } else {
    id_of[model_path_] = opt_.served_name;
    data.push_back(model_card(opt_.served_name, model_path_, nullptr));
  }
  for (const auto& a : serving_.adapters()) {
    const std::string base = a["base_model"];
    data.push_back(model_card(a["name"], a["path"], id_of.count(base) ? id_of[base] : base));
  }
  return {{"object", "list"}, {"data", data}};
}

std::string ServedModels::base_for(const std::string& name, const Json& body, const std::string& adapter_folder) const {
  for (const auto& a : serving_.adapters())
    LLMCP_CHECK(a["name"] != name, kInvalidArgument, "The lora adapter '", name,
                "' has already been loaded; unload it first (POST /v1/unload_lora_adapter)");
  if (!workspace()) {
    LLMCP_CHECK(name != opt_.served_name, kInvalidArgument, "'", name, "' is the base model's name; choose another");
    return opt_.model_dir;
  }
  LLMCP_CHECK(model_folder(name).empty(), kInvalidArgument, "'", name, "' is a model's name; choose another");
  std::string base;
  if (body.contains("base_model")) {
    LLMCP_CHECK(body["base_model"].is_string(), kInvalidArgument, "'base_model' must be a model's name");
    base = body["base_model"];
  } else {
    std::ifstream in(fs::path(adapter_folder) / "adapter_config.json");
    const auto c = Json::parse(in, nullptr, false);
    if (c.is_object() && c.contains("base_model_name_or_path") && c["base_model_name_or_path"].is_string())
      base = c["base_model_name_or_path"];
    LLMCP_CHECK(!base.empty(), kInvalidArgument, "the adapter's adapter_config.json names no base model; send ",
                "'base_model' (a name GET /v1/models lists)");
  }
  auto dir = model_folder(base);
  // A folder recorded relative to where the adapter was trained: its name in the workspace.
  const auto last = fs::path(base).filename().string();
  if (dir.empty() && !body.contains("base_model") && !last.empty() && last != base) dir = model_folder(last);
  LLMCP_CHECK(!dir.empty(), kNotFound, "the adapter's base model '", base,
              "' is not in the workspace: send 'base_model' (a name GET /v1/models lists)");
  return dir;
}

}  // namespace llmcp::api
