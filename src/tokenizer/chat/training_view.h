// The training view of a conversation: the token ids the model sees (the chat template's text,
// tokenized exactly as the model's tokenizer does, without extra BOS/EOS since templates write
// their own) and a loss mask that covers only the assistant turns — their content, tool calls and
// end-of-turn token — so fine-tuning learns to answer, not to repeat the prompt.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/chat/chat_template.h"
#include "tokenizer/chat/jinja.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer::chat {

struct TrainingView {
  std::string text;                                      // the rendered conversation
  std::vector<std::pair<size_t, size_t>> trained_spans;  // byte ranges of `text` that are assistant turns
  std::vector<int32_t> ids;
  std::vector<uint8_t> mask;  // per id: 1 = in the loss
};

// The spans of the assistant turns are found by rendering the conversation up to each assistant
// message with add_generation_prompt (where the reply starts) and up to its end (where it stops).
// A template that renders earlier turns differently once later ones exist is located by search;
// when that fails too the error says which message could not be found.
TrainingView training_view(const JinjaTemplate& tmpl, const Tokenizer& tokenizer, const ChatRequest& request,
                           const nlohmann::ordered_json& special_tokens);

// The template context's special tokens from a loaded tokenizer: bos_token, eos_token, unk_token,
// pad_token (those it has).
nlohmann::ordered_json special_tokens_of(const Tokenizer& tokenizer);

}  // namespace llmcp::tokenizer::chat
