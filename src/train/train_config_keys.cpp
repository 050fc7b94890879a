// The training config's keys: name, type and one line of help each. The one table that drives
// parsing, the "did you mean" error for unknown keys, `llm-mcp train --help` and the README's list.
#include "train/train_config.h"

namespace llmcp::train {
namespace {

const std::vector<ConfigKey> kKeys = {
    {"method", "string", "lora | qlora | dora | sparse | full (default: implied by the keys, else lora)"},
    {"model", "string", "base model folder (Hugging Face layout)"},
    {"dataset", "string", "training data, JSONL: text, instruction, chat or tool_calls records"},
    {"eval_dataset", "string", "evaluation data (JSONL); default: eval_fraction of dataset"},
    {"eval_fraction", "number", "fraction of dataset held out for evaluation when eval_dataset is absent (0)"},
    {"output_dir", "string", "where the adapter (PEFT layout), checkpoints and metrics.jsonl go"},
    {"epochs", "int", "passes over the training data (1); num_train_epochs is accepted too"},
    {"num_train_epochs", "int", "alias of epochs (Hugging Face's name)"},
    {"max_steps", "int", "optimizer steps; > 0 overrides epochs"},
    {"batch_size", "int", "sequences per micro-batch (4); per_device_train_batch_size is accepted too"},
    {"per_device_train_batch_size", "int", "alias of batch_size"},
    {"gradient_accumulation_steps", "int", "micro-batches per optimizer step (1)"},
    {"learning_rate", "number", "peak learning rate (2e-4; 2e-5 for method full)"},
    {"lr_scheduler", "string", "constant | linear | cosine, after warmup (linear); lr_scheduler_type is accepted too"},
    {"lr_scheduler_type", "string", "alias of lr_scheduler"},
    {"warmup_steps", "int", "linear warmup from 0 (0)"},
    {"warmup_ratio", "number", "warmup as a fraction of all steps, when warmup_steps is 0"},
    {"weight_decay", "number", "AdamW decoupled weight decay on matrices; never on norms, biases, DoRA magnitudes (0)"},
    {"max_grad_norm", "number", "clip the global gradient norm (1.0; 0 = off)"},
    {"adam_beta1", "number", "AdamW beta1 (0.9)"},
    {"adam_beta2", "number", "AdamW beta2 (0.999)"},
    {"adam_epsilon", "number", "AdamW epsilon (1e-8)"},
    {"seq_len", "int", "maximum tokens per sequence; longer examples are truncated and counted (512)"},
    {"max_seq_length", "int", "alias of seq_len"},
    {"packing", "bool", "pack several examples per sequence, each attending only to itself (false)"},
    {"train_on_all", "bool", "loss on every token, prompts included (false: completions only)"},
    {"chat_template", "string", "chat template name or .jinja file for chat/tool data (default: the model's)"},
    {"seed", "int", "seed for initialisation, shuffling and dropout (42)"},
    {"save_steps", "int", "checkpoint every N optimizer steps (0: only at the end)"},
    {"save_total_limit", "int", "checkpoints kept (2)"},
    {"eval_steps", "int", "evaluate every N steps (0: at the end only)"},
    {"logging_steps", "int", "metrics line every N steps (1)"},
    {"early_stopping_patience", "int", "stop after N evaluations without improvement (0 = off)"},
    {"early_stopping_threshold", "number", "minimum eval-loss improvement that counts (0)"},
    {"gradient_checkpointing", "bool", "recompute each decoder layer in backward to save activation memory (false)"},
    {"bf16", "bool", "bf16 mixed precision (autocast); adapters and optimizer state stay fp32 (false)"},
    {"device", "string", "cpu | cuda | cuda:N | auto: the first GPU when there is one, else the CPU (auto)"},
    // LoRA / DoRA (PEFT's names, and the seed's)
    {"lora_rank", "int", "LoRA rank r (8); the seed's name"},
    {"r", "int", "alias of lora_rank (PEFT's name)"},
    {"lora_alpha", "number", "LoRA alpha; scaling = alpha / r (8)"},
    {"lora_dropout", "number", "dropout on the adapter input (0)"},
    {"dropout_rate", "number", "the seed's DoRA dropout; used as lora_dropout when that is absent"},
    {"target_modules", "any", "module names, a regex string, or \"all-linear\" (default: q_proj, v_proj)"},
    {"exclude_modules", "list", "module names never adapted"},
    {"bias", "string", "none | all | lora_only (none)"},
    {"task_type", "string", "CAUSAL_LM (the only task)"},
    {"use_rslora", "bool", "scaling = alpha / sqrt(r) (false)"},
    {"use_dora", "bool", "DoRA: weight-decomposed LoRA (false)"},
    {"init_lora_weights", "any", "true | \"gaussian\" | false (true)"},
    {"layers_to_transform", "any", "layer indices to adapt (default: all)"},
    {"layers_pattern", "any", "name of the layer list for layers_to_transform (default: any)"},
    {"rank_pattern", "any", "{regex: r} per-module ranks"},
    {"alpha_pattern", "any", "{regex: alpha} per-module alphas"},
    {"modules_to_save", "list", "modules trained in full and saved with the adapter (e.g. lm_head)"},
    {"output_router_logits", "bool", "mixture of experts: add the routers' load-balancing loss (default: the model's config.json; false for Mixtral)"},
    {"router_aux_loss_coef", "number", "weight of the load-balancing loss (default: the model's config.json)"},
    // QLoRA (seed keys)
    {"load_in_4bit", "bool", "QLoRA: 4-bit base weights"},
    {"load_in_8bit", "bool", "8-bit base weights"},
    {"bnb_4bit_quant_type", "string", "nf4 | fp4"},
    {"bnb_4bit_compute_dtype", "string", "float32 | bfloat16 | float16"},
    {"bnb_4bit_use_double_quant", "bool", "quantize the quantization constants too"},
    {"bnb_4bit_quant_storage", "string", "uint8 (the only storage)"},
    {"bnb_4bit_blocksize", "int", "values per 4-bit block: 32..4096, a power of two (default 64)"},
    {"llm_int8_skip_modules", "list", "modules kept dense (the LM head always is)"},
    // Sparse fine-tuning (seed keys)
    {"sparsity_ratio", "number", "fraction of each targeted weight kept frozen; k = round((1 - s) x out x in) entries train (0.99)"},
    {"sparsity_type", "string", "unstructured (single entries) | structured (whole output rows) (unstructured)"},
    {"mask_update_interval", "int", "optimizer steps between RigL mask updates; 0 = a static mask (100)"},
    {"mask_update_fraction", "number", "fraction of the mask replaced, decayed by a cosine over the run (0.3)"},
    {"use_rigl", "bool", "drop the smallest deltas, grow the largest dense gradients; false keeps the random mask (true)"},
    {"use_topk_attention", "bool", "in training, each query keeps only its top-k attention scores (false)"},
    {"topk_ratio", "number", "fraction of a query's visible scores kept by top-k attention (0.1)"},
};

}  // namespace

const std::vector<ConfigKey>& train_config_keys() { return kKeys; }

}  // namespace llmcp::train
