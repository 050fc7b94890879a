// The training method from the config: explicit or implied, with the errors that say which key
// belongs to which method.
#include "train/train_method.h"

#include <algorithm>

#include "core/error.h"
#include "train/train_config.h"

namespace llmcp::train {
namespace {

using nlohmann::json;

// Whether every key a variant sets is given with that value (use_dora: true).
bool variant_given(const peft::MethodVariant& v, const json& peft) {
  if (v.keys.empty()) return false;
  for (auto it = v.keys.begin(); it != v.keys.end(); ++it)
    if (!peft.contains(it.key()) || peft[it.key()] != it.value()) return false;
  return true;
}

std::string keys_text(const json& keys) {
  std::string s;
  for (auto it = keys.begin(); it != keys.end(); ++it)
    s += (s.empty() ? "" : ", ") + it.key() + ": " + it.value().dump();
  return s;
}

// The PEFT method whose own keys were given, and the first such key (kInvalidArgument if two
// methods' keys are mixed).
const peft::PeftMethod* keyed_method(const json& method_keys, std::string& first_key) {
  const peft::PeftMethod* found = nullptr;
  for (auto it = method_keys.begin(); it != method_keys.end(); ++it)
    for (const auto* m : peft::peft_methods())
      for (const auto& k : m->keys()) {
        if (it.key() != k.name) continue;
        LLMCP_CHECK(!found || found == m, kInvalidArgument, "'", first_key, "' configures the ", found->name(),
                    " method and '", it.key(), "' the ", m->name(), " method; a run trains one (remove one of them)");
        if (!found) first_key = it.key();
        found = m;
      }
  return found;
}

}  // namespace

const peft::PeftMethod* adapter_method(const std::string& training_method) {
  for (const auto* m : peft::peft_methods()) {
    if (m->name() == training_method) return m;
    for (const auto& v : m->variants())
      if (v.name == training_method) return m;
  }
  return nullptr;
}

std::string resolve_method(const json& j, json& peft, const json& quantization, const json& method_keys) {
  std::string keyed_key;
  const auto* keyed = keyed_method(method_keys, keyed_key);
  const bool quantized = quantization.value("load_in_4bit", false) || quantization.value("load_in_8bit", false);
  const auto methods = training_methods();
  std::string method;
  if (j.contains("method") && !j["method"].is_null()) {
    method = j["method"].get<std::string>();
    if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
      std::string list;
      for (size_t i = 0; i < methods.size(); ++i)
        list += (i == 0 ? "" : i + 1 == methods.size() ? " or " : ", ") + methods[i];
      LLMCP_FAIL(kInvalidArgument, "method '", method, "' is unknown; choose ", list);
    }
  } else if (keyed) {
    method = keyed->name();
  } else {
    method = quantized ? "qlora" : methods.front();
    for (const auto* m : peft::peft_methods())
      for (const auto& v : m->variants())
        if (!quantized && variant_given(v, peft)) method = v.name;
  }
  const auto* target = adapter_method(method);
  if (keyed && keyed != target)
    LLMCP_FAIL(kInvalidArgument, "'", keyed_key, "' configures the ", keyed->name(), " method, but method is ", method,
               "; set method: ", keyed->name(), " (or remove the ", keyed->name(), " keys)");
  if (!target) return method;
  for (const auto* m : peft::peft_methods())
    for (const auto& v : m->variants()) {
      if (!variant_given(v, peft) || v.name == method) continue;
      LLMCP_CHECK(m != target || method != m->name(), kInvalidArgument, "method ", method, " with ",
                  keys_text(v.keys), " is ", v.name, "; set method: ", v.name, " (or drop ", v.keys.begin().key(), ")");
      LLMCP_CHECK(m == target, kInvalidArgument, keys_text(v.keys), " applies to ", m->name(), " adapters (method ",
                  v.name, "); method ", method, " trains another kind (drop ", v.keys.begin().key(),
                  ", or choose method ", v.name, ")");
    }
  for (const auto& v : target->variants())
    if (v.name == method)
      for (auto it = v.keys.begin(); it != v.keys.end(); ++it) peft[it.key()] = it.value();
  return method;
}

}  // namespace llmcp::train
