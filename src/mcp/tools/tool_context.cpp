// ToolContext path lookups and the schema helpers; see tool_context.h.
#include "mcp/tools/tool_context.h"

#include <algorithm>

#include "core/error.h"
#include "engine/hub.h"

namespace llmcp::mcp {

std::string ToolContext::model_path(const std::string& ref) const {
  const auto path = workspace.find(ref, workspace.models_dir());
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, ec)) || !engine::is_hub_id(ref)) return path.string();
  // ORG/NAME[@REV] that is no workspace path: a Hub model, from the cache only (download_model fetches).
  auto folder = engine::resolve_model(ref);
  engine::check_inside_hub_cache(folder);
  return folder;
}

std::vector<ModelEntry> ToolContext::models() const {
  namespace fs = std::filesystem;
  std::vector<ModelEntry> out;
  std::error_code ec;
  auto folders = [&](const fs::path& root, bool check_listable, const char* source) {
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(root, ec))
      if ((!check_listable || listable(e.path())) && fs::exists(e.path() / "config.json")) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    for (const auto& d : dirs) out.push_back({d.filename().string(), d, source});
  };
  folders(workspace.models_dir(), true, "workspace");
  for (const auto& root : workspace.read_only_roots()) folders(root, false, "built-in");
  const auto hub = engine::hub_cache_models();  // a named value: the loop below reads into it
  for (const auto& m : hub["models"]) {
    if (!m.contains("folder")) continue;  // no main snapshot: pass ORG/NAME@REV to use another one
    try {
      engine::check_inside_hub_cache(m["folder"]);
    } catch (const core::Error&) {
      continue;  // a snapshot leading out of the cache is not offered
    }
    out.push_back({m["repo"], m["folder"].get<std::string>(), "hub-cache"});
  }
  return out;
}

std::string ToolContext::adapter_path(const std::string& ref) const {
  return workspace.find(ref, workspace.adapters_dir()).string();
}

std::string ToolContext::dataset_path(const std::string& ref) const {
  return workspace.find(ref, workspace.datasets_dir(), "data").string();
}

bool ToolContext::listable(const std::filesystem::path& entry) const {
  try {
    return workspace.inside(core::resolve_links(entry), core::Access::kRead);
  } catch (const core::Error&) {
    return false;  // a symlink loop
  }
}

namespace schema {

Json string(const std::string& d) { return {{"type", "string"}, {"description", d}}; }

Json integer(const std::string& d, std::optional<int64_t> minimum, std::optional<int64_t> maximum) {
  Json j{{"type", "integer"}, {"description", d}};
  if (minimum) j["minimum"] = *minimum;
  if (maximum) j["maximum"] = *maximum;
  return j;
}

Json number(const std::string& d, std::optional<double> minimum, std::optional<double> maximum) {
  Json j{{"type", "number"}, {"description", d}};
  if (minimum) j["minimum"] = *minimum;
  if (maximum) j["maximum"] = *maximum;
  return j;
}

Json boolean(const std::string& d) { return {{"type", "boolean"}, {"description", d}}; }

Json array(Json items, const std::string& d) { return {{"type", "array"}, {"items", std::move(items)}, {"description", d}}; }

Json enumeration(std::vector<std::string> values, const std::string& d) {
  return {{"type", "string"}, {"enum", std::move(values)}, {"description", d}};
}

Json open_object(const std::vector<std::pair<std::string, Json>>& properties, const std::vector<std::string>& required) {
  Json props = Json::object();
  for (const auto& [k, v] : properties) props[k] = v;
  Json j{{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) j["required"] = required;
  return j;
}

Json object(const std::vector<std::pair<std::string, Json>>& properties, const std::vector<std::string>& required) {
  Json j = open_object(properties, required);
  j["additionalProperties"] = false;
  return j;
}

Json any(const std::string& d) { return {{"description", d}}; }

}  // namespace schema
}  // namespace llmcp::mcp
