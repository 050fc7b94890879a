// The published config.json of the seed's models (../shared/hf-files and the shapes in its
// MODEL-SHAPES.md), compiled in so `estimate`, `recommend` and the support matrix work for them
// without a download. Only the keys the architecture parsers read are kept.
#include <map>

#include "train/plan/model_shape.h"

namespace llmcp::plan {
namespace {

nlohmann::json llama(int64_t hidden, int64_t inter, int64_t layers, int64_t heads, int64_t kv, int64_t vocab,
                     double theta, int64_t max_pos) {
  return {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_act", "silu"},
          {"hidden_size", hidden}, {"intermediate_size", inter}, {"num_hidden_layers", layers},
          {"num_attention_heads", heads}, {"num_key_value_heads", kv}, {"vocab_size", vocab},
          {"rope_theta", theta}, {"max_position_embeddings", max_pos}, {"rms_norm_eps", 1e-5},
          {"tie_word_embeddings", false}, {"torch_dtype", "float16"}, {"bos_token_id", 1}, {"eos_token_id", 2}};
}

const std::map<std::string, nlohmann::json>& table() {
  static const auto* t = [] {
    auto* m = new std::map<std::string, nlohmann::json>();
    auto& k = *m;
    k["meta-llama/Llama-2-7b-hf"] = llama(4096, 11008, 32, 32, 32, 32000, 10000, 4096);
    k["meta-llama/Llama-2-13b-hf"] = llama(5120, 13824, 40, 40, 40, 32000, 10000, 4096);
    k["meta-llama/Llama-2-70b-hf"] = llama(8192, 28672, 80, 64, 8, 32000, 10000, 4096);
    auto l3 = [](int64_t hidden, int64_t layers, int64_t heads) {
      auto j = llama(hidden, hidden == 4096 ? 14336 : 28672, layers, heads, 8, 128256, 500000, 8192);
      j["torch_dtype"] = "bfloat16";
      j["bos_token_id"] = 128000;
      j["eos_token_id"] = 128001;
      return j;
    };
    k["meta-llama/Meta-Llama-3-8B"] = l3(4096, 32, 32);
    k["meta-llama/Meta-Llama-3-70B"] = l3(8192, 80, 64);
    k["codellama/CodeLlama-7b-hf"] = llama(4096, 11008, 32, 32, 32, 32016, 1000000, 16384);
    k["codellama/CodeLlama-13b-hf"] = llama(5120, 13824, 40, 40, 40, 32016, 1000000, 16384);
    k["codellama/CodeLlama-34b-hf"] = llama(8192, 22016, 48, 64, 8, 32000, 1000000, 16384);
    k["mistralai/Mistral-7B-v0.1"] = {
        {"architectures", {"MistralForCausalLM"}}, {"model_type", "mistral"}, {"hidden_act", "silu"},
        {"hidden_size", 4096}, {"intermediate_size", 14336}, {"num_hidden_layers", 32},
        {"num_attention_heads", 32}, {"num_key_value_heads", 8}, {"vocab_size", 32000}, {"rope_theta", 10000.0},
        {"max_position_embeddings", 32768}, {"sliding_window", 4096}, {"rms_norm_eps", 1e-5},
        {"tie_word_embeddings", false}, {"torch_dtype", "bfloat16"}, {"bos_token_id", 1}, {"eos_token_id", 2}};
    k["mistralai/Mixtral-8x7B-v0.1"] = {
        {"architectures", {"MixtralForCausalLM"}}, {"model_type", "mixtral"}, {"hidden_act", "silu"},
        {"hidden_size", 4096}, {"intermediate_size", 14336}, {"num_hidden_layers", 32},
        {"num_attention_heads", 32}, {"num_key_value_heads", 8}, {"num_local_experts", 8},
        {"num_experts_per_tok", 2}, {"router_aux_loss_coef", 0.02}, {"output_router_logits", false},
        {"vocab_size", 32000}, {"rope_theta", 1000000.0}, {"max_position_embeddings", 32768},
        {"sliding_window", nullptr}, {"rms_norm_eps", 1e-5}, {"tie_word_embeddings", false},
        {"torch_dtype", "bfloat16"}, {"bos_token_id", 1}, {"eos_token_id", 2}};
    k["tiiuae/falcon-7b"] = {
        {"architectures", {"RWForCausalLM"}}, {"model_type", "RefinedWebModel"}, {"alibi", false},
        {"apply_residual_connection_post_layernorm", false}, {"bias", false}, {"hidden_size", 4544},
        {"layer_norm_epsilon", 1e-5}, {"multi_query", true}, {"n_head", 71}, {"n_layer", 32},
        {"parallel_attn", true}, {"vocab_size", 65024}, {"torch_dtype", "bfloat16"},
        {"bos_token_id", 11}, {"eos_token_id", 11}};
    k["tiiuae/falcon-40b"] = {
        {"architectures", {"RWForCausalLM"}}, {"model_type", "RefinedWeb"}, {"alibi", false},
        {"apply_residual_connection_post_layernorm", false}, {"bias", false}, {"hidden_size", 8192},
        {"layer_norm_epsilon", 1e-5}, {"n_head", 128}, {"n_head_kv", 8}, {"n_layer", 60},
        {"parallel_attn", true}, {"vocab_size", 65024}, {"torch_dtype", "bfloat16"},
        {"bos_token_id", 1}, {"eos_token_id", 2}};
    // Fine-tuned variants share their base's shape.
    for (auto [alias, base] : {std::pair{"meta-llama/Llama-2-7b-chat-hf", "meta-llama/Llama-2-7b-hf"},
                               {"meta-llama/Llama-2-13b-chat-hf", "meta-llama/Llama-2-13b-hf"},
                               {"meta-llama/Llama-2-70b-chat-hf", "meta-llama/Llama-2-70b-hf"},
                               {"meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama/Meta-Llama-3-8B"},
                               {"meta-llama/Meta-Llama-3-70B-Instruct", "meta-llama/Meta-Llama-3-70B"},
                               {"mistralai/Mistral-7B-Instruct-v0.1", "mistralai/Mistral-7B-v0.1"},
                               {"mistralai/Mixtral-8x7B-Instruct-v0.1", "mistralai/Mixtral-8x7B-v0.1"},
                               {"tiiuae/falcon-7b-instruct", "tiiuae/falcon-7b"}})
      k[alias] = k[base];
    return m;
  }();
  return *t;
}

}  // namespace

std::vector<std::string> known_model_ids() {
  std::vector<std::string> out;
  for (const auto& [id, _] : table()) out.push_back(id);
  return out;
}

const nlohmann::json* known_model_config(const std::string& id) {
  auto it = table().find(id);
  return it == table().end() ? nullptr : &it->second;
}

}  // namespace llmcp::plan
