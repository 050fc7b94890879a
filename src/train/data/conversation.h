// Records of the instruction, chat and tool_calls formats as the conversation a chat template
// renders: checked field by field (each bad field is an error saying which and why) and brought
// into the shape Hugging Face templates expect (OpenAI messages, tool-call arguments as objects).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/data/dataset.h"

namespace llmcp::data {

struct Conversation {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // OpenAI shape
  nlohmann::ordered_json tools;                                       // null, or the record's tool list
};

// The conversation of one record (format kInstruction, kChat or kToolCalls). Throws core::Error
// (kInvalidArgument) with the reason when a field is missing or has the wrong type.
//  - instruction: [user: instruction + "\n\n" + input (when non-empty), assistant: output]
//  - chat: the record's messages; tool-call arguments held as a JSON string become the object
//  - tool_calls: [system?, user: input, assistant: {content: output, tool_calls}], each call as
//    {"type": "function", "id", "function": {"name", "arguments"}} with a 9-character id derived
//    from the record (Mistral's templates require one; others ignore it)
Conversation conversation_of(const nlohmann::ordered_json& record, DataFormat format);

// The names of the functions the assistant calls in `messages`, in order.
std::vector<std::string> called_functions(const nlohmann::ordered_json& messages);

// `j` as compact JSON, cut to about `limit` characters (for error messages).
std::string short_dump(const nlohmann::ordered_json& j, size_t limit = 120);

}  // namespace llmcp::data
