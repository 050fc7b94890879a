// Pre-tokenizers cut normalized text into words before BPE (tokenizer.json "pre_tokenizer").
// Supported: ByteLevel, Split, Sequence, Metaspace, Digits, Punctuation; others are rejected
// with kUnsupported at load time rather than tokenizing differently from Hugging Face.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/json_util.h"

namespace llmcp::tokenizer {

// A run of text on its way to the model. `at_start` says it begins at offset 0 of the text passed
// to encode() (Metaspace's prepend_scheme "first" depends on it).
struct Piece {
  std::string text;
  bool at_start = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` with their sub-pieces; empty pieces are dropped.
  virtual void apply(std::vector<Piece>& pieces) const = 0;
};

// Builds the pre-tokenizer described by `j`; null JSON gives nullptr (the text stays one word).
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j);

}  // namespace llmcp::tokenizer
