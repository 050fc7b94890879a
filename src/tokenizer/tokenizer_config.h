// Reads what we need from transformers' tokenizer_config.json: the special token strings (plain
// strings or AddedToken dicts), add_bos_token / add_eos_token, and model_max_length. Other keys
// (chat_template included) are left to their own readers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tokenizer/json_util.h"

namespace llmcp::tokenizer {

struct TokenizerConfig {
  std::optional<std::string> bos, eos, pad, unk;
  std::optional<bool> add_bos, add_eos;
  int64_t model_max_length = 0;  // 0: not given

  // Empty text means "no tokenizer_config.json": everything stays unset.
  static TokenizerConfig parse(const std::string& text);
};

}  // namespace llmcp::tokenizer
