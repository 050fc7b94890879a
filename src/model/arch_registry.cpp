// The architecture table: the families of model/arch/builtin_archs.h, then any registered since.
#include "model/arch_registry.h"

#include <map>

#include "core/error.h"
#include "model/arch/builtin_archs.h"

#define LLMCP_DECLARE_ARCH(family) \
  namespace arch::family {         \
  std::vector<ArchSpec> specs();   \
  }

namespace llmcp::model {

LLMCP_BUILTIN_ARCHS(LLMCP_DECLARE_ARCH)

namespace {
std::map<std::string, ArchSpec>& table() {
  static std::map<std::string, ArchSpec> t = [] {
    std::map<std::string, ArchSpec> b;
    auto add = [&](std::vector<ArchSpec> specs) {
      for (auto& s : specs) {
        std::string name = s.hf_name;
        b.emplace(name, std::move(s));
      }
    };
#define LLMCP_ADD_ARCH(family) add(arch::family::specs());
    LLMCP_BUILTIN_ARCHS(LLMCP_ADD_ARCH)
#undef LLMCP_ADD_ARCH
    return b;
  }();
  return t;
}
std::string supported_list() {
  std::string s;
  for (const auto& name : supported_archs()) s += (s.empty() ? "" : ", ") + name;
  return s;
}
}  // namespace

bool register_arch(ArchSpec spec) {
  std::string name = spec.hf_name;
  return table().emplace(name, std::move(spec)).second;  // false: the name was taken (the first stays)
}

const ArchSpec& find_arch(const std::string& hf_name) {
  auto it = table().find(hf_name);
  LLMCP_CHECK(it != table().end(), kUnsupported, "architecture '", hf_name, "' is not supported; supported: ",
              supported_list());
  return it->second;
}

const ArchSpec& find_arch_by_family(const std::string& family) {
  std::string families;
  for (const auto& [name, spec] : table()) {
    if (spec.family == family) return spec;
    families += (families.empty() ? "" : ", ") + spec.family;
  }
  LLMCP_FAIL(kInvalidArgument, "unknown architecture family '", family, "'; choose one of: ", families);
}

std::vector<std::string> supported_archs() {
  std::vector<std::string> out;
  for (const auto& [name, spec] : table()) out.push_back(name);
  return out;
}

std::string family_chat_template(const std::string& architecture, const HasToken& has) {
  auto it = table().find(architecture);
  return it == table().end() ? std::string() : it->second.chat_template(has);
}

std::vector<const ArchSpec*> registered_archs() {
  std::vector<const ArchSpec*> out;
  for (const auto& [name, spec] : table()) out.push_back(&spec);
  return out;
}

DecoderConfig load_decoder_config(const std::filesystem::path& model_dir) {
  auto hf = io::HfConfig::load(model_dir);
  DecoderConfig c = find_arch(hf.architecture()).parse_config(hf);
  c.validate();
  return c;
}

}  // namespace llmcp::model
