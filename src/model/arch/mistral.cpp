// MistralForCausalLM: Llama layout plus sliding-window attention.
#include "model/arch/llama_family.h"
#include "model/arch_registry.h"

namespace llmcp::model::arch {
namespace {
[[maybe_unused]] const bool registered = register_arch(ArchSpec{
    .hf_name = "MistralForCausalLM",
    .family = "mistral",
    .parse_config = [](const io::HfConfig& hf) { return parse_llama_like(hf, 4096 * 32); },
    .write_config = [](const DecoderConfig& c) { return write_llama_like(c, "mistral"); },
    .names = {},
});
}  // namespace
}  // namespace llmcp::model::arch
