// Finding a model's chat template (see template_source.h). The built-in templates are real models'
// templates compiled in from templates/*.jinja by CMake (builtin_template_data.cpp).
#include "tokenizer/chat/template_source.h"

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer::chat {

namespace fs = std::filesystem;

std::string builtin_template_list() {
  std::string s;
  for (auto n : builtin_template_names()) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

TemplateChoice choose_chat_template(const fs::path& dir, const std::string& name, const ModelFamily& family,
                                    const Tokenizer& tok) {
  if (!name.empty() && (fs::is_regular_file(name) || name.ends_with(".jinja"))) {
    LLMCP_CHECK(fs::is_regular_file(name), kNotFound, "chat template file '", name, "' does not exist");
    const std::string source = core::read_file(name);
    return {source, source, name};
  }
  ChatTemplates templates = load_chat_templates(dir);
  if (!name.empty() && !templates.named.contains(name)) {
    const std::string_view builtin = builtin_template_source(name);
    std::string own;
    for (const auto& [n, _] : templates.named) own += (own.empty() ? "" : ", ") + n;
    LLMCP_CHECK(!builtin.empty(), kInvalidArgument, "no chat template named '", name, "': the model's are ",
                own.empty() ? "none" : own, "; built-in ones: ", builtin_template_list(),
                "; or give the path of a .jinja file");
    return {std::string(builtin), std::string(builtin), "built-in " + name};
  }
  if (templates.named.empty())
    if (auto builtin = builtin_chat_template(family, tok)) templates = std::move(*builtin);
  if (templates.named.empty()) return {};
  return {select_chat_template(templates, name, false), select_chat_template(templates, name, true), templates.origin};
}

ChatTemplates parse_chat_template_value(const std::string& json_text, const std::string& origin) {
  ChatTemplates out;
  out.origin = origin;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kMalformedFile, origin, " is not valid JSON: ", e.what());
  }
  LLMCP_CHECK(j.is_object(), kMalformedFile, origin, " should hold a JSON object");
  const auto it = j.find("chat_template");
  if (it == j.end() || it->is_null()) return out;
  if (it->is_string()) {
    out.named["default"] = it->get<std::string>();
    return out;
  }
  LLMCP_CHECK(it->is_array(), kMalformedFile, origin,
              ".chat_template should be a string or a list of {\"name\", \"template\"}");
  for (const auto& item : *it) {
    LLMCP_CHECK(item.is_object() && item.contains("name") && item["name"].is_string() &&
                    item.contains("template") && item["template"].is_string(),
                kMalformedFile, origin, ".chat_template entries should be {\"name\": string, \"template\": string}");
    const auto name = item["name"].get<std::string>();
    LLMCP_CHECK(!out.named.contains(name), kMalformedFile, origin, ".chat_template names '", name,
                "' twice");
    out.named[name] = item["template"].get<std::string>();
  }
  return out;
}

ChatTemplates load_chat_templates(const fs::path& model_dir) {
  if (const fs::path p = model_dir / "chat_template.jinja"; fs::exists(p)) {
    ChatTemplates out;
    out.origin = p.string();
    out.named["default"] = core::read_file(p);
    return out;
  }
  for (const char* name : {"chat_template.json", "tokenizer_config.json"}) {
    const fs::path p = model_dir / name;
    if (!fs::exists(p)) continue;
    ChatTemplates out = parse_chat_template_value(core::read_file(p), p.string());
    if (!out.named.empty()) return out;
  }
  return {};
}

std::optional<ChatTemplates> builtin_chat_template(const ModelFamily& family, const Tokenizer& tokenizer) {
  auto has = [&](std::string_view token) { return tokenizer.token_to_id(token).has_value(); };
  std::string name = family.builtin_template;
  if (has("<|im_start|>") && has("<|im_end|>")) name = "chatml";
  if (name.empty()) return std::nullopt;
  LLMCP_CHECK(!builtin_template_source(name).empty(), kInternal, "the built-in chat template '", name,
              "' a model family names does not exist; the built-in ones are ", builtin_template_list());
  ChatTemplates out;
  out.origin = "built-in " + name;
  out.named["default"] = std::string(builtin_template_source(name));
  return out;
}

const std::string& select_chat_template(const ChatTemplates& templates, std::string_view requested,
                                        bool with_tools) {
  auto names = [&] {
    std::string s;
    for (const auto& [n, _] : templates.named) s += (s.empty() ? "" : ", ") + n;
    return s;
  };
  if (!requested.empty()) {
    const auto it = templates.named.find(std::string(requested));
    LLMCP_CHECK(it != templates.named.end(), kInvalidArgument, "no chat template named '", requested,
                "' in ", templates.origin, "; it has: ", names());
    return it->second;
  }
  if (with_tools) {
    if (const auto it = templates.named.find("tool_use"); it != templates.named.end()) return it->second;
  }
  const auto it = templates.named.find("default");
  LLMCP_CHECK(it != templates.named.end(), kInvalidArgument, templates.origin,
              " has no 'default' chat template; choose one of: ", names());
  return it->second;
}

ChatTemplates resolve_chat_templates(const fs::path& model_dir, const ModelFamily& family,
                                     const Tokenizer& tokenizer) {
  ChatTemplates t = load_chat_templates(model_dir);
  if (!t.named.empty()) return t;
  if (auto builtin = builtin_chat_template(family, tokenizer)) return *builtin;
  LLMCP_FAIL(kNotFound, "the model in '", model_dir.string(), "' ships no chat template and none is "
             "built in for architecture '", (family.architecture.empty() ? "unknown" : family.architecture),
             "'; chat and tool-calling data need one: put a chat_template.jinja in the model folder "
             "(or name one: a training config's chat_template, or a built-in name such as llama-3.1 or chatml), or use "
             "plain text or instruction data");
}

}  // namespace llmcp::tokenizer::chat
