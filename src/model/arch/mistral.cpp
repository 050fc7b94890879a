// MistralForCausalLM: Llama layout plus sliding-window attention.
#include "model/arch/llama_family.h"
#include "model/arch_registry.h"

namespace llmcp::model::arch {
namespace {
[[maybe_unused]] const bool registered = register_arch(ArchSpec{
    .hf_name = "MistralForCausalLM",
    .family = "mistral",
    .parse_config =
        [](const io::HfConfig& hf) {
          DecoderConfig c = parse_llama_like(hf, 4096 * 32);
          // MistralConfig's default window is 4096; an explicit null turns it off.
          const auto& j = hf.json();
          if (!j.contains("sliding_window")) c.sliding_window = 4096;
          else if (!j["sliding_window"].is_null()) c.sliding_window = hf.get_int("sliding_window");
          return c;
        },
    .write_config = [](const DecoderConfig& c) { return write_llama_like(c, "mistral"); },
    .names = {},
});
}  // namespace
}  // namespace llmcp::model::arch
