// What encode(add_special_tokens=true) wraps around the text's ids. tokenizer.json's
// TemplateProcessing (alone or inside a Sequence) gives the ids before and after the sequence;
// ByteLevel only trims offsets and adds nothing. Pair templates are not needed and are ignored.
#pragma once

#include <cstdint>
#include <vector>

#include "tokenizer/json_util.h"

namespace llmcp::tokenizer {

struct PostProcessor {
  bool has_template = false;  // false: nothing in tokenizer.json says what to add
  std::vector<int32_t> prefix, suffix;

  static PostProcessor from_json(const Json& j);
};

}  // namespace llmcp::tokenizer
