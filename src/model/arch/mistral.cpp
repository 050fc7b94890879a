// MistralForCausalLM: Llama layout plus sliding-window attention.
#include "model/arch/llama_family.h"
#include "model/arch_registry.h"

namespace llmcp::model::arch::mistral {

std::vector<ArchSpec> specs() {
  return {ArchSpec{
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
    .chat_template = mistral_chat_template,
    .adapt_preset =
        [](DecoderConfig& c, const std::string&) {
          const bool seven_b = c.hidden_size == 4096;  // Mistral-7B's shape
          if (seven_b) c.intermediate_size = 14336;
          if (seven_b) c.num_kv_heads = 8;
          c.max_position = 32768;
          c.sliding_window = seven_b ? 4096 : 256;
        },
  }};
}

}  // namespace llmcp::model::arch::mistral
