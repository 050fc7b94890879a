// The method registry's torch-free half: the built-in methods in the order listed, then those
// added at run time; lookups by name and by adapter_config.json's peft_type.
#include "peft/method.h"

#include "core/error.h"
#include "peft/builtin_methods.h"
#include "peft/lora_config.h"

#define LLMCP_DECLARE_METHOD(folder) \
  namespace folder {                 \
  std::unique_ptr<PeftMethod> method(); \
  }

namespace llmcp::peft {

LLMCP_BUILTIN_PEFT_METHODS(LLMCP_DECLARE_METHOD)

namespace {

struct Registry {
  std::vector<std::unique_ptr<PeftMethod>> owned;
  std::vector<const PeftMethod*> methods;
  int generation = 0;
  void add(std::unique_ptr<PeftMethod> m) {
    LLMCP_CHECK(m, kInternal, "a null PEFT method was registered");
    for (const auto* o : methods)
      LLMCP_CHECK(o->name() != m->name() && o->peft_type() != m->peft_type(), kInvalidArgument, "PEFT method '",
                  m->name(), "' (peft_type ", m->peft_type(), ") clashes with the registered '", o->name(), "'");
    methods.push_back(m.get());
    owned.push_back(std::move(m));
    ++generation;
  }
};

Registry& registry() {
  static Registry r = [] {
    Registry b;
#define LLMCP_ADD_METHOD(folder) b.add(folder::method());
    LLMCP_BUILTIN_PEFT_METHODS(LLMCP_ADD_METHOD)
#undef LLMCP_ADD_METHOD
    return b;
  }();
  return r;
}

}  // namespace

void PeftMethod::write_options(const LoraConfig& c, nlohmann::json& j) const {
  for (const auto& [k, v] : c.options.items()) j[k] = v;
}

const std::vector<const PeftMethod*>& peft_methods() { return registry().methods; }

const PeftMethod* find_peft_method(const std::string& name) {
  for (const auto* m : peft_methods())
    if (m->name() == name) return m;
  return nullptr;
}

const PeftMethod* peft_method_of_type(const std::string& peft_type) {
  for (const auto* m : peft_methods())
    if (m->peft_type() == peft_type) return m;
  return nullptr;
}

const PeftMethod& peft_method(const std::string& name) {
  if (const auto* m = find_peft_method(name)) return *m;
  std::string names;
  for (const auto* m : peft_methods()) names += (names.empty() ? "" : ", ") + m->name();
  LLMCP_FAIL(kInvalidArgument, "no PEFT method named '", name, "'; the methods are ", names);
}

void add_peft_method(std::unique_ptr<PeftMethod> m) { registry().add(std::move(m)); }

int peft_methods_generation() { return registry().generation; }

}  // namespace llmcp::peft
