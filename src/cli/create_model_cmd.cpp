// `llm-mcp create-model`: writes a synthetic HF model folder (tests, demo, benchmarks).
#include <iostream>

#include "cli/commands.h"
#include "cli/flag_checks.h"
#include "core/error.h"
#include "engine/engine.h"

namespace llmcp::cli {

void add_create_model_command(CLI::App& app) {
  auto req = std::make_shared<engine::CreateModelRequest>();
  auto overrides = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("create-model", "Write a model folder with seeded random weights");
  std::string families;
  for (const auto& f : engine::model_families()) families += (families.empty() ? "" : " | ") + f;
  cmd->add_option("--arch", req->arch,
                  "Architecture family: " + families +
                      " (falcon is falcon-7b's layout; --config '{\"new_decoder_architecture\": true, \"num_kv_heads\": 8}' "
                      "gives falcon-40b's; falcon-rw writes the legacy RWForCausalLM config)")
      ->capture_default_str();
  std::string presets;
  for (const auto& p : engine::model_presets()) presets += (presets.empty() ? "" : " | ") + p;
  cmd->add_option("--preset", req->preset, "Size: " + presets)->capture_default_str();
  cmd->add_option("--seed", req->seed, "Random seed")->capture_default_str()->check(at_least(0));
  cmd->add_option("--dtype", req->dtype, "float32 | bfloat16 | float16")->capture_default_str();
  cmd->add_option("--config", *overrides, "JSON object of config.json keys overriding the preset");
  cmd->add_option("--tokenizer-vocab", req->tokenizer_vocab, "Tokenizer vocabulary size (at most vocab_size)")
      ->check(at_least(1))
      ->capture_default_str();
  cmd->add_option("--tokenizer-corpus", req->tokenizer_corpus, "UTF-8 text file to train the tokenizer on (default: built-in)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--special-token", req->special_tokens, "Extra special token, e.g. '<|im_start|>' (repeatable)");
  cmd->add_option("--added-token", req->added_tokens,
                  "Extra non-special added token, kept in decoded text, e.g. '<tool_call>' (repeatable)");
  cmd->add_option("--chat-template", req->chat_template, "Jinja chat template file, copied to chat_template.jinja")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", req->out_dir, "Output folder")->required();
  cmd->add_flag("--overwrite", req->overwrite, "Replace --out if it exists and is not empty");
  cmd->callback([req, overrides] {
    if (!overrides->empty()) {
      req->overrides = nlohmann::json::parse(*overrides, nullptr, false);
      LLMCP_CHECK(req->overrides.is_object(), kInvalidArgument, "--config must be a JSON object, e.g. '{\"tie_word_embeddings\": true}'");
    }
    std::cout << engine::create_model(*req).dump(2) << std::endl;
  });
}

}  // namespace llmcp::cli
