// LlamaForCausalLM (Llama-2, Llama-3/3.1, CodeLlama): HF names are the decoder's default names.
// HF's Llama has no sliding window: a "sliding_window" key in its config.json is ignored.
#include "model/arch/llama_family.h"
#include "model/arch_registry.h"

namespace llmcp::model::arch::llama {

std::vector<ArchSpec> specs() {
  return {ArchSpec{
    .hf_name = "LlamaForCausalLM",
    .family = "llama",
    .parse_config = [](const io::HfConfig& hf) { return parse_llama_like(hf, 2048); },
    .write_config = [](const DecoderConfig& c) { return write_llama_like(c, "llama"); },
    // Llama 3's tokenizer has header tokens; Llama 2 and CodeLlama use [INST].
    .chat_template = [](const HasToken& has) { return has("<|start_header_id|>") ? "llama-3.1" : "llama-2"; },
  }};
}

}  // namespace llmcp::model::arch::llama
