// The parts of a loaded Tokenizer, shared by the files that implement its methods (tokenizer.cpp:
// loading, encoding, decoding; token_spans.cpp: where each token came from). Internal header.
#pragma once

#include <memory>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/sp_model.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer {

// The special tokens and what add_special_tokens wraps around the text.
struct Wrapping {
  SpecialTokens special;
  std::vector<int32_t> prefix, suffix;
};

struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<BpeModel> model;  // tokenizer.json, or
  std::unique_ptr<SpModel> sp;      // tokenizer.model (then no normalizer or pre-tokenizer)
  std::unique_ptr<AddedVocabulary> added;
  Decoder decoder;
  Wrapping wrap;
  int32_t vocab_size = 0;
  bool byte_level = false;  // token strings are in GPT-2's byte alphabet
};

}  // namespace llmcp::tokenizer
