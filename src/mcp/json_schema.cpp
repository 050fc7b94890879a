// A small JSON Schema validator for the keywords our own schemas use; unknown keywords are
// ignored as the specification says (annotations such as description, default, title).
#include "mcp/json_schema.h"

#include <cmath>
#include <cstdint>

namespace llmcp::mcp {
namespace {

using nlohmann::json;

std::string short_dump(const json& v) {
  auto s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "number") return v.is_number();
  if (t == "integer") {  // an integral float counts, within int64 so handlers can read it as one
    if (v.is_number_unsigned()) return v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX);
    if (v.is_number_integer()) return true;
    const double x = v.is_number_float() ? v.get<double>() : 0.5;
    return std::floor(x) == x && std::abs(x) < 9.2e18;
  }
  return true;
}

std::string article(const std::string& t) {
  return (t == "object" || t == "array" || t == "integer") ? "an " + t : "a " + t;
}

std::string join(const std::string& where, const std::string& key) { return where.empty() ? key : where + "." + key; }

std::optional<std::string> check(const json& s, const json& v, const std::string& where);

std::optional<std::string> check_type(const json& s, const json& v, const std::string& at) {
  auto t = s.find("type");
  if (t == s.end()) return std::nullopt;
  if (t->is_string()) {
    if (has_type(v, *t)) return std::nullopt;
    return at + "expected " + article(t->get<std::string>()) + ", got " + short_dump(v);
  }
  if (t->is_array()) {
    std::string names;
    for (const auto& x : *t) {
      if (x.is_string() && has_type(v, x)) return std::nullopt;
      names += (names.empty() ? "" : " or ") + x.get<std::string>();
    }
    return at + "expected " + names + ", got " + short_dump(v);
  }
  return std::nullopt;
}

std::optional<std::string> check_object(const json& s, const json& v, const std::string& where, const std::string& at) {
  if (!v.is_object()) return std::nullopt;
  const json props = s.value("properties", json::object());
  if (auto r = s.find("required"); r != s.end() && r->is_array())
    for (const auto& k : *r)
      if (k.is_string() && !v.contains(k.get<std::string>()))
        return at + "missing required field \"" + k.get<std::string>() + "\"";
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (props.contains(it.key())) {
      if (auto e = check(props[it.key()], it.value(), join(where, it.key()))) return e;
      continue;
    }
    auto ap = s.find("additionalProperties");
    if (ap == s.end()) continue;
    if (ap->is_boolean() && !ap->get<bool>()) {
      std::string known;
      for (auto p = props.begin(); p != props.end(); ++p) known += (known.empty() ? "" : ", ") + p.key();
      return at + "unknown field \"" + it.key() + "\"" + (known.empty() ? "" : " (known fields: " + known + ")");
    }
    if (ap->is_object())
      if (auto e = check(*ap, it.value(), join(where, it.key()))) return e;
  }
  return std::nullopt;
}

std::optional<std::string> check_bounds(const json& s, const json& v, const std::string& at) {
  if (v.is_number()) {
    const double x = v.get<double>();
    if (s.contains("minimum") && x < s["minimum"].get<double>()) return at + "must be >= " + s["minimum"].dump();
    if (s.contains("maximum") && x > s["maximum"].get<double>()) return at + "must be <= " + s["maximum"].dump();
    if (s.contains("exclusiveMinimum") && x <= s["exclusiveMinimum"].get<double>())
      return at + "must be > " + s["exclusiveMinimum"].dump();
    if (s.contains("exclusiveMaximum") && x >= s["exclusiveMaximum"].get<double>())
      return at + "must be < " + s["exclusiveMaximum"].dump();
  }
  if (v.is_string()) {
    // Length in code points, as JSON Schema counts.
    size_t n = 0;
    for (unsigned char c : v.get_ref<const std::string&>()) n += (c & 0xC0) != 0x80;
    if (s.contains("minLength") && n < s["minLength"].get<size_t>())
      return at + "must be at least " + s["minLength"].dump() + " characters";
    if (s.contains("maxLength") && n > s["maxLength"].get<size_t>())
      return at + "must be at most " + s["maxLength"].dump() + " characters";
  }
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>())
      return at + "needs at least " + s["minItems"].dump() + " items";
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>())
      return at + "takes at most " + s["maxItems"].dump() + " items";
  }
  return std::nullopt;
}

std::optional<std::string> check(const json& s, const json& v, const std::string& where) {
  if (s.is_boolean()) {
    if (s.get<bool>()) return std::nullopt;
    return (where.empty() ? std::string("value") : where) + ": not allowed";
  }
  if (!s.is_object()) return std::nullopt;
  const std::string at = where.empty() ? "" : where + ": ";
  if (auto e = check_type(s, v, at)) return e;
  if (auto en = s.find("enum"); en != s.end() && en->is_array()) {
    bool found = false;
    for (const auto& x : *en) found = found || x == v;
    if (!found) return at + "must be one of " + short_dump(*en) + ", got " + short_dump(v);
  }
  if (auto c = s.find("const"); c != s.end() && *c != v) return at + "must be " + short_dump(*c);
  if (auto e = check_bounds(s, v, at)) return e;
  if (auto e = check_object(s, v, where, at)) return e;
  if (v.is_array())
    if (auto it = s.find("items"); it != s.end())
      for (size_t i = 0; i < v.size(); ++i)
        if (auto e = check(*it, v[i], where + "[" + std::to_string(i) + "]")) return e;
  if (auto any = s.find("anyOf"); any != s.end() && any->is_array()) {
    std::optional<std::string> first;
    for (const auto& alt : *any) {
      auto e = check(alt, v, where);
      if (!e) return std::nullopt;
      if (!first) first = e;
    }
    return first;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> schema_violation(const json& schema, const json& value, const std::string& where) {
  return check(schema, value, where);
}

}  // namespace llmcp::mcp
