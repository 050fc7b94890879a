// Normalizers rewrite text before pre-tokenization (tokenizer.json "normalizer"). Supported:
// Sequence, Prepend, Replace — what SentencePiece-converted tokenizers (Llama-2, Mistral) use.
// Unicode forms (NFC, NFKC, ...) are rejected with kUnsupported until we carry their tables.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/json_util.h"

namespace llmcp::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string_view text) const = 0;
};

// Null JSON gives nullptr (text is used as is).
std::unique_ptr<Normalizer> make_normalizer(const Json& j);

}  // namespace llmcp::tokenizer
