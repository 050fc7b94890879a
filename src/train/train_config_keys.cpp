// The training config's keys, each spelled once: name, type, help, alias, range or choices, who
// reads it and the TrainConfig field it fills. Parsing (train_config.cpp), range checks
// (train_config_checks.cpp), `llm-mcp train --help`, the README's list (a test checks it) and the
// MCP start_training schema read this table; a new trainer key is one row here and its field. A
// PEFT method's own keys come from its folder (peft/<method>/<method>_method.cpp).
#include <type_traits>

#include "peft/method.h"
#include "train/train_config.h"

namespace llmcp::train {
namespace {

using json = nlohmann::json;

template <auto Member>
void set_field(TrainConfig& c, const json& v) {
  c.*Member = v.get<std::remove_cvref_t<decltype(c.*Member)>>();
}
template <auto Member>
json get_field(const TrainConfig& c) {
  return c.*Member;
}
// .set and .get for a plain TrainConfig member.
#define LLMCP_FIELD(m) .set = &set_field<&TrainConfig::m>, .get = &get_field<&TrainConfig::m>

const std::vector<ConfigKey> kKeys = {
    {.name = "method", .type = "string", .help = ""},  // help and choices: the registered methods (train_config_keys())
    {.name = "model", .type = "string", .help = "base model: a folder (Hugging Face layout) or a Hub id ORG/NAME[@REV]",
     LLMCP_FIELD(model)},
    {.name = "dataset", .type = "string", .help = "training data, JSONL: text, instruction, chat or tool_calls records",
     LLMCP_FIELD(dataset)},
    {.name = "eval_dataset", .type = "string", .help = "evaluation data (JSONL); default: eval_fraction of dataset",
     LLMCP_FIELD(eval_dataset)},
    {.name = "eval_fraction", .type = "number",
     .help = "fraction of dataset held out for evaluation when eval_dataset is absent (0)", .min = 0, .max = 1,
     .max_open = true, LLMCP_FIELD(eval_fraction)},
    {.name = "output_dir", .type = "string", .help = "where the adapter (PEFT layout), checkpoints and metrics.jsonl go",
     LLMCP_FIELD(output_dir)},
    {.name = "epochs", .type = "int", .help = "passes over the training data (1); num_train_epochs is accepted too",
     .min = 0, LLMCP_FIELD(epochs)},
    {.name = "num_train_epochs", .type = "int", .help = "alias of epochs (Hugging Face's name)", .alias_of = "epochs"},
    {.name = "max_steps", .type = "int", .help = "optimizer steps; > 0 overrides epochs", .min = 0,
     .at_min = " (0: train for `epochs`)", LLMCP_FIELD(max_steps)},
    {.name = "batch_size", .type = "int",
     .help = "sequences per micro-batch (4); per_device_train_batch_size is accepted too", .min = 1,
     LLMCP_FIELD(batch_size)},
    {.name = "per_device_train_batch_size", .type = "int", .help = "alias of batch_size", .alias_of = "batch_size"},
    {.name = "gradient_accumulation_steps", .type = "int", .help = "micro-batches per optimizer step (1)", .min = 1,
     LLMCP_FIELD(gradient_accumulation_steps)},
    {.name = "learning_rate", .type = "number", .help = "peak learning rate (2e-4; 2e-5 for method full)", .min = 0,
     .min_open = true, .max_open = true, LLMCP_FIELD(learning_rate)},
    {.name = "lr_scheduler", .type = "string",
     .help = "constant | linear | cosine, after warmup (linear); lr_scheduler_type is accepted too",
     .choices = {"constant", "linear", "cosine"}, LLMCP_FIELD(lr_scheduler)},
    {.name = "lr_scheduler_type", .type = "string", .help = "alias of lr_scheduler", .alias_of = "lr_scheduler"},
    {.name = "warmup_steps", .type = "int", .help = "linear warmup from 0 (0)", .min = 0, LLMCP_FIELD(warmup_steps)},
    {.name = "warmup_ratio", .type = "number", .help = "warmup as a fraction of all steps, when warmup_steps is 0",
     .min = 0, .max = 1, .max_open = true, LLMCP_FIELD(warmup_ratio)},
    {.name = "weight_decay", .type = "number",
     .help = "AdamW decoupled weight decay on matrices; never on norms, biases, DoRA magnitudes (0)", .min = 0,
     .max_open = true, LLMCP_FIELD(weight_decay)},
    {.name = "max_grad_norm", .type = "number", .help = "clip the global gradient norm (1.0; 0 = off)", .min = 0,
     .max_open = true, LLMCP_FIELD(max_grad_norm)},
    {.name = "adam_beta1", .type = "number", .help = "AdamW beta1 (0.9)", .min = 0, .max = 1, .max_open = true,
     LLMCP_FIELD(adam_beta1)},
    {.name = "adam_beta2", .type = "number", .help = "AdamW beta2 (0.999)", .min = 0, .max = 1, .max_open = true,
     LLMCP_FIELD(adam_beta2)},
    {.name = "adam_epsilon", .type = "number", .help = "AdamW epsilon (1e-8)", .min = 0, .min_open = true,
     .max_open = true, LLMCP_FIELD(adam_epsilon)},
    {.name = "seq_len", .type = "int",
     .help = "maximum tokens per sequence; longer examples are truncated and counted (512)", .min = 2,
     LLMCP_FIELD(seq_len)},
    {.name = "max_seq_length", .type = "int", .help = "alias of seq_len", .alias_of = "seq_len"},
    {.name = "packing", .type = "bool", .help = "pack several examples per sequence, each attending only to itself (false)",
     LLMCP_FIELD(packing)},
    {.name = "train_on_all", .type = "bool", .help = "loss on every token, prompts included (false: completions only)",
     LLMCP_FIELD(train_on_all)},
    {.name = "chat_template", .type = "string",
     .help = "chat template name or .jinja file for chat/tool data (default: the model's)", LLMCP_FIELD(chat_template)},
    {.name = "seed", .type = "int", .help = "seed for initialisation, shuffling and dropout (42)", LLMCP_FIELD(seed)},
    {.name = "save_steps", .type = "int", .help = "checkpoint every N optimizer steps (0: only at the end)", .min = 0,
     .at_min = " (0: save only at the end)", LLMCP_FIELD(save_steps)},
    {.name = "save_total_limit", .type = "int", .help = "checkpoints kept (2)", .min = 1, LLMCP_FIELD(save_total_limit)},
    {.name = "eval_steps", .type = "int", .help = "evaluate every N steps (0: at the end only)", .min = 0,
     .at_min = " (0: evaluate only at the end)", LLMCP_FIELD(eval_steps)},
    {.name = "logging_steps", .type = "int", .help = "metrics line every N steps (1)", .min = 1, LLMCP_FIELD(logging_steps)},
    {.name = "early_stopping_patience", .type = "int", .help = "stop after N evaluations without improvement (0 = off)",
     .min = 0, .at_min = " (0: off)", LLMCP_FIELD(early_stopping_patience)},
    {.name = "early_stopping_threshold", .type = "number", .help = "minimum eval-loss improvement that counts (0)",
     .min = 0, .max_open = true, LLMCP_FIELD(early_stopping_threshold)},
    {.name = "gradient_checkpointing", .type = "bool",
     .help = "recompute each decoder layer in backward to save activation memory (false)",
     LLMCP_FIELD(gradient_checkpointing)},
    {.name = "shard_base", .type = "bool",
     .help = "with several processes, each keeps 1/N of the frozen base weights and gathers a layer for each product "
             "(FSDP / ZeRO-3 style), for a base too big for one device; adapters only (false)",
     LLMCP_FIELD(shard_base)},
    {.name = "bf16", .type = "bool", .help = "bf16 mixed precision (autocast); adapters and optimizer state stay fp32 (false)",
     LLMCP_FIELD(bf16)},
    {.name = "device", .type = "string",
     .help = "cpu | cuda | cuda:N | auto: the first GPU when there is one, else the CPU (auto)", LLMCP_FIELD(device)},
    // LoRA / DoRA (PEFT's names, and the seed's): read by the adapter's config parser
    {.name = "lora_rank", .type = "int", .help = "LoRA rank r (8); the seed's name", .use = KeyUse::kAdapter},
    {.name = "r", .type = "int", .help = "alias of lora_rank (PEFT's name)", .alias_of = "lora_rank", .use = KeyUse::kAdapter},
    {.name = "lora_alpha", .type = "number", .help = "LoRA alpha; scaling = alpha / r (8)", .use = KeyUse::kAdapter},
    {.name = "lora_dropout", .type = "number", .help = "dropout on the adapter input (0)", .use = KeyUse::kAdapter},
    {.name = "dropout_rate", .type = "number", .help = "the seed's DoRA dropout; used as lora_dropout when that is absent",
     .use = KeyUse::kAdapter},
    {.name = "target_modules", .type = "any",
     .help = "module names, a regex string, or \"all-linear\" (default: the architecture's, as PEFT: q_proj, v_proj; Falcon query_key_value)", .use = KeyUse::kAdapter},
    {.name = "exclude_modules", .type = "list", .help = "module names never adapted", .use = KeyUse::kAdapter},
    {.name = "bias", .type = "string", .help = "none | all | lora_only (none)", .use = KeyUse::kAdapter},
    {.name = "task_type", .type = "string", .help = "CAUSAL_LM (the only task)", .use = KeyUse::kAdapter,
     .choices = {"CAUSAL_LM"}},
    {.name = "use_rslora", .type = "bool", .help = "scaling = alpha / sqrt(r) (false)", .use = KeyUse::kAdapter},
    {.name = "use_dora", .type = "bool", .help = "DoRA: weight-decomposed LoRA (false)", .use = KeyUse::kAdapter},
    {.name = "init_lora_weights", .type = "any", .help = "true | \"gaussian\" | false (true)", .use = KeyUse::kAdapter},
    {.name = "layers_to_transform", .type = "any", .help = "layer indices to adapt (default: all)", .use = KeyUse::kAdapter},
    {.name = "layers_pattern", .type = "any", .help = "name of the layer list for layers_to_transform (default: any)",
     .use = KeyUse::kAdapter},
    {.name = "rank_pattern", .type = "any", .help = "{regex: r} per-module ranks", .use = KeyUse::kAdapter},
    {.name = "alpha_pattern", .type = "any", .help = "{regex: alpha} per-module alphas", .use = KeyUse::kAdapter},
    {.name = "modules_to_save", .type = "list", .help = "modules trained in full and saved with the adapter (e.g. lm_head)",
     .use = KeyUse::kAdapter},
    {.name = "output_router_logits", .type = "bool",
     .help = "mixture of experts: add the routers' load-balancing loss (default: the model's config.json; false for Mixtral)",
     .set = [](TrainConfig& c, const json& v) { c.output_router_logits = v.get<bool>(); },
     .get = [](const TrainConfig& c) { return c.output_router_logits ? json(*c.output_router_logits) : json(); }},
    {.name = "router_aux_loss_coef", .type = "number", .help = "weight of the load-balancing loss (default: the model's config.json)",
     .min = 0, .max_open = true,
     .set = [](TrainConfig& c, const json& v) { c.router_aux_loss_coef = v.get<double>(); },
     .get = [](const TrainConfig& c) { return c.router_aux_loss_coef ? json(*c.router_aux_loss_coef) : json(); }},
    // QLoRA (seed keys): read by the quantized base's parser (quant/bnb_keys)
    {.name = "load_in_4bit", .type = "bool", .help = "QLoRA: 4-bit base weights (quantized while loading)", .use = KeyUse::kQuantization},
    {.name = "load_in_8bit", .type = "bool", .help = "8-bit (row-wise int8) base weights", .use = KeyUse::kQuantization},
    {.name = "bnb_4bit_quant_type", .type = "string",
     .help = "nf4 | fp4 (transformers' default fp4 when only `load_in_4bit` is set; nf4 for `method: qlora` alone)", .use = KeyUse::kQuantization},
    {.name = "bnb_4bit_compute_dtype", .type = "string", .help = "float32 | bfloat16 | float16: inputs of the 4-bit products are cast to it (default float32)", .use = KeyUse::kQuantization},
    {.name = "bnb_4bit_use_double_quant", .type = "bool", .help = "quantize the quantization constants too",
     .use = KeyUse::kQuantization},
    {.name = "bnb_4bit_quant_storage", .type = "string", .help = "uint8 (the only storage)", .use = KeyUse::kQuantization},
    {.name = "bnb_4bit_blocksize", .type = "int", .help = "values per 4-bit block: 32..4096, a power of two (default 64)",
     .use = KeyUse::kQuantization},
    {.name = "llm_int8_skip_modules", .type = "list", .help = "modules kept dense (the LM head always is)",
     .use = KeyUse::kQuantization},
};

#undef LLMCP_FIELD

}  // namespace

// The table: kKeys with the method row filled from the registry, then each PEFT method's own keys
// (the sparse method's: sparsity_ratio, ...), rebuilt when a method is registered.
const std::vector<ConfigKey>& train_config_keys() {
  static std::vector<ConfigKey> keys;
  static std::string method_help;
  static int generation = -1;
  if (generation == peft::peft_methods_generation()) return keys;
  keys = kKeys;
  const auto methods = training_methods();
  method_help.clear();
  for (const auto& m : methods) method_help += (method_help.empty() ? "" : " | ") + m;
  method_help += " (default: implied by the keys, else lora)";
  keys.front().help = method_help.c_str();
  keys.front().choices = methods;
  for (const auto* m : peft::peft_methods())
    for (const auto& k : m->keys())
      keys.push_back({.name = k.name, .type = k.type, .help = k.help, .use = KeyUse::kMethod, .method = m->name()});
  generation = peft::peft_methods_generation();
  return keys;
}

std::vector<std::string> training_methods() {
  std::vector<std::string> out;
  for (const auto* m : peft::peft_methods()) {
    out.push_back(m->name());
    for (const auto& v : m->variants()) out.push_back(v.name);
  }
  out.push_back("full");
  return out;
}

std::string key_methods(const ConfigKey& k) {
  switch (k.use) {
    case KeyUse::kTrainer: return "all";
    case KeyUse::kAdapter: {  // PEFT's LoRA keys: the methods that read rank and alpha, with their variants
      std::string out;
      for (const auto* m : peft::peft_methods()) {
        if (!m->uses_rank()) continue;
        out += (out.empty() ? "" : ", ") + m->name();
        for (const auto& v : m->variants()) out += ", " + v.name;
      }
      return out;
    }
    case KeyUse::kQuantization: return "qlora";
    case KeyUse::kMethod: return k.method;
  }
  return "all";
}

}  // namespace llmcp::train
