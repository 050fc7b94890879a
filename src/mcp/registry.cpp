// Registry lookups and the list methods' JSON; see registry.h.
#include "mcp/registry.h"

#include "core/error.h"

namespace llmcp::mcp {

ToolResult ToolResult::error(std::string message) {
  ToolResult r;
  r.text = std::move(message);
  r.is_error = true;
  return r;
}

void Registry::add_tool(Tool tool) {
  LLMCP_CHECK(!find_tool(tool.name), kInternal, "tool ", tool.name, " registered twice");
  tools_.push_back(std::move(tool));
}

void Registry::add_resource(Resource resource, std::function<Json(CallContext&)> read) {
  resources_.push_back({std::move(resource), std::move(read)});
}

void Registry::add_template(ResourceTemplate t) { templates_.push_back(std::move(t)); }

void Registry::add_prompt(Prompt prompt) { prompts_.push_back(std::move(prompt)); }

const Tool* Registry::find_tool(const std::string& name) const {
  for (const auto& t : tools_)
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<Resource> Registry::resources() const {
  std::vector<Resource> out;
  for (const auto& r : resources_) out.push_back(r.resource);
  for (const auto& t : templates_)
    if (t.instances)
      for (auto& r : t.instances()) out.push_back(std::move(r));
  return out;
}

std::optional<Json> Registry::read_resource(const std::string& uri, CallContext& ctx) const {
  for (const auto& r : resources_)
    if (r.resource.uri == uri) return r.read(ctx);
  for (const auto& t : templates_)
    if (auto vars = match_uri_template(t.uri_template, uri))
      if (auto c = t.read(uri, *vars, ctx)) return c;
  return std::nullopt;
}

const Prompt* Registry::find_prompt(const std::string& name) const {
  for (const auto& p : prompts_)
    if (p.name == name) return &p;
  return nullptr;
}

const ResourceTemplate* Registry::find_template(const std::string& uri_template) const {
  for (const auto& t : templates_)
    if (t.uri_template == uri_template) return &t;
  return nullptr;
}

std::optional<UriVars> match_uri_template(const std::string& tmpl, const std::string& uri) {
  UriVars vars;
  size_t t = 0, u = 0;
  while (t < tmpl.size()) {
    if (tmpl[t] != '{') {
      if (u >= uri.size() || uri[u] != tmpl[t]) return std::nullopt;
      ++t, ++u;
      continue;
    }
    const size_t close = tmpl.find('}', t);
    if (close == std::string::npos) return std::nullopt;
    const std::string name = tmpl.substr(t + 1, close - t - 1);
    const size_t end = uri.find('/', u);
    std::string value = uri.substr(u, end == std::string::npos ? std::string::npos : end - u);
    // A variable followed by literal text ending the template (e.g. "{id}.json") stops there.
    const std::string rest = tmpl.substr(close + 1);
    if (!rest.empty() && rest.find('{') == std::string::npos && rest.find('/') == std::string::npos) {
      if (value.size() <= rest.size() || value.compare(value.size() - rest.size(), rest.size(), rest) != 0)
        return std::nullopt;
      value.resize(value.size() - rest.size());
    }
    if (value.empty()) return std::nullopt;
    vars[name] = value;
    u += value.size();
    t = close + 1;
  }
  if (u != uri.size()) return std::nullopt;
  return vars;
}

Json describe(const Tool& tool) {
  Json j{{"name", tool.name}, {"description", tool.description}, {"inputSchema", tool.input_schema}};
  if (!tool.title.empty()) j["title"] = tool.title;
  if (!tool.output_schema.is_null()) j["outputSchema"] = tool.output_schema;
  if (!tool.annotations.is_null()) j["annotations"] = tool.annotations;
  static const char* kSupport[] = {"forbidden", "optional", "required"};
  if (tool.task_support != TaskSupport::kForbidden)
    j["execution"] = {{"taskSupport", kSupport[static_cast<int>(tool.task_support)]}};
  return j;
}

Json describe(const Resource& r) {
  Json j{{"uri", r.uri}, {"name", r.name}};
  if (!r.title.empty()) j["title"] = r.title;
  if (!r.description.empty()) j["description"] = r.description;
  if (!r.mime_type.empty()) j["mimeType"] = r.mime_type;
  return j;
}

Json describe(const ResourceTemplate& t) {
  Json j{{"uriTemplate", t.uri_template}, {"name", t.name}};
  if (!t.title.empty()) j["title"] = t.title;
  if (!t.description.empty()) j["description"] = t.description;
  if (!t.mime_type.empty()) j["mimeType"] = t.mime_type;
  return j;
}

Json describe(const Prompt& p) {
  Json j{{"name", p.name}};
  if (!p.title.empty()) j["title"] = p.title;
  if (!p.description.empty()) j["description"] = p.description;
  Json args = Json::array();
  for (const auto& a : p.arguments) {
    Json aj{{"name", a.name}, {"required", a.required}};
    if (!a.description.empty()) aj["description"] = a.description;
    args.push_back(std::move(aj));
  }
  j["arguments"] = std::move(args);
  return j;
}

}  // namespace llmcp::mcp
