// PEFT's matching rules, reproduced: list entries match a whole name or a dotted suffix, a string
// is a full-match regex, layers_to_transform reads the first numbered path segment, and
// rank/alpha patterns match `(.*\.)?(pattern)$`.
#include "peft/targets.h"

#include <regex>
#include <set>
#include <sstream>

#include "core/error.h"

namespace llmcp::peft {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool name_matches(const std::vector<std::string>& names, const std::string& module) {
  for (const auto& n : names)
    if (module == n || ends_with(module, "." + n)) return true;
  return false;
}

std::regex compile(const std::string& pattern, const char* key) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    LLMCP_FAIL(kInvalidArgument, key, " '", pattern, "' is not a valid regular expression (", e.what(), ")");
  }
}

bool in_layers(const LoraConfig& c, const std::string& module) {
  if (!c.layers_to_transform || c.layers_to_transform->empty()) return true;
  std::smatch m;
  bool found = false;
  if (c.layers_pattern.empty()) {
    static const std::regex any_layer(R"(^.*?\.[^.]*\.(\d+)\..*)");
    found = std::regex_match(module, m, any_layer);
  } else {
    for (const auto& p : c.layers_pattern) {
      if (std::regex_match(module, m, compile("^.*?\\." + p + "\\.(\\d+)\\..*", "layers_pattern"))) {
        found = true;
        break;
      }
    }
  }
  if (!found) return false;
  const int64_t index = std::stoll(m[1].str());
  for (int64_t l : *c.layers_to_transform)
    if (l == index) return true;
  return false;
}

template <typename V>
V pattern_value(const std::vector<std::pair<std::string, V>>& patterns, const std::string& module, V fallback, const char* key) {
  for (const auto& [pattern, value] : patterns)
    if (std::regex_match(module, compile("(.*\\.)?(" + pattern + ")", key))) return value;
  return fallback;
}

}  // namespace

bool is_module_to_save(const LoraConfig& c, const std::string& module) {
  for (const auto& m : c.modules_to_save)
    if (ends_with(module, m)) return true;
  return false;
}

std::vector<TargetPlan> plan_targets(const LoraConfig& c, const std::vector<std::string>& linear_modules,
                                     const std::string& output_layer,
                                     const std::vector<std::string>& default_targets) {
  TargetModules targets;
  if (c.target_modules) targets = *c.target_modules;
  else targets.names = default_targets;
  std::optional<std::regex> regex;
  if (targets.kind == TargetModules::Kind::kRegex) regex = compile(targets.regex, "target_modules");

  std::vector<TargetPlan> out;
  for (const auto& module : linear_modules) {
    if (name_matches(c.exclude_modules, module)) continue;
    bool saved = false;  // adapters never sit on modules_to_save (PEFT excludes them)
    for (const auto& m : c.modules_to_save)
      if (std::regex_match(module, compile("(^|.*\\.)" + m + "($|\\..*)", "modules_to_save"))) saved = true;
    if (saved) continue;
    bool hit = false;
    switch (targets.kind) {
      case TargetModules::Kind::kAllLinear: hit = module != output_layer; break;
      case TargetModules::Kind::kRegex: hit = std::regex_match(module, *regex); break;
      case TargetModules::Kind::kNames: hit = name_matches(targets.names, module) && in_layers(c, module); break;
    }
    if (!hit) continue;
    out.push_back({module, pattern_value(c.rank_pattern, module, c.r, "rank_pattern"),
                   pattern_value(c.alpha_pattern, module, c.lora_alpha, "alpha_pattern")});
  }
  if (out.empty()) {
    std::set<std::string> suffixes;
    for (const auto& m : linear_modules) suffixes.insert(m.substr(m.rfind('.') + 1));
    std::ostringstream os;
    for (const auto& s : suffixes) os << (os.tellp() > 0 ? ", " : "") << s;
    std::string wanted = targets.kind == TargetModules::Kind::kRegex ? targets.regex : "";
    for (const auto& n : targets.names) wanted += (wanted.empty() ? "" : ", ") + n;
    LLMCP_FAIL(kInvalidArgument, "target_modules (", wanted.empty() ? "all-linear" : wanted,
               ") matched no linear layer of this model; its linear layers are named ", os.str(),
               " (e.g. ", linear_modules.empty() ? "" : linear_modules.front(), ")");
  }
  return out;
}

}  // namespace llmcp::peft
