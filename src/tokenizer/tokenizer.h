// Public API of the tokenizer layer: loads a Hugging Face tokenizer.json (+ tokenizer_config.json)
// and encodes / decodes text with the same ids as Hugging Face's tokenizers. Torch-free, so the
// CLI, the MCP layer and the data pipeline can all use it cheaply.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmcp::tokenizer {

struct SpecialTokens {
  std::optional<int32_t> bos, eos, pad, unk;
  std::string bos_text, eos_text, pad_text, unk_text;
  bool add_bos = false, add_eos = false;  // what encode(text, true) adds
  int64_t model_max_length = 0;           // 0: unknown; "no limit" (1e30) clamps to INT64_MAX
};

// The bytes [begin, end) of the encoded text a token came from; empty (begin == end) for tokens
// that add_special_tokens inserted (BOS at 0, EOS at the end).
struct TokenSpan {
  size_t begin = 0, end = 0;
};

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<TokenSpan> spans;  // one per id
};

class DecodeRun;
class StreamDecoder;

// Immutable after loading; copies share the loaded tables; safe to use from several threads.
class Tokenizer {
 public:
  // Loads <dir>/tokenizer.json, or else <dir>/tokenizer.model, with <dir>/tokenizer_config.json
  // when present.
  static Tokenizer from_dir(const std::filesystem::path& dir);
  // A SentencePiece tokenizer.model, encoded by libsentencepiece: control pieces (<s>, </s>) in the
  // text become their ids, BOS is added unless tokenizer_config.json says add_bos_token false.
  static Tokenizer from_sentencepiece(const std::filesystem::path& model_file,
                                      const std::string& tokenizer_config_json);
  // `tokenizer_config_json` may be empty. Broken input throws core::Error (kMalformedFile), a
  // component we do not implement throws kUnsupported naming it and the supported ones.
  static Tokenizer from_json(const std::string& tokenizer_json,
                             const std::string& tokenizer_config_json);

  // `text` must be valid UTF-8 (kInvalidArgument otherwise). With add_special_tokens, BOS/EOS are
  // added as tokenizer.json's TemplateProcessing says, or else as tokenizer_config.json's
  // add_bos_token / add_eos_token say.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  // encode() plus where each token came from in `text` (for loss masks over character ranges).
  Encoding encode_with_spans(std::string_view text, bool add_special_tokens = true) const;
  // Ids outside the vocabulary throw kInvalidArgument. Invalid UTF-8 produced by byte tokens is
  // replaced with U+FFFD, as Hugging Face does.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const;

  int32_t vocab_size() const;  // highest id + 1, added tokens included
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::string id_to_token(int32_t id) const;  // throws kInvalidArgument for unknown ids
  const SpecialTokens& special() const;
  bool is_special(int32_t id) const;  // an added token marked "special"

 private:
  friend class StreamDecoder;
  struct Impl;
  explicit Tokenizer(std::shared_ptr<const Impl> impl);
  DecodeRun start_decode() const;
  std::string token_for_decode(int32_t id) const;
  std::shared_ptr<const Impl> impl_;
};

// What each id adds to a text it ends (as a StreamDecoder would emit it after other tokens, with
// U+FFFD for a byte token that is part of a character); "" for special tokens. Index = id. For
// constrained decoding, which asks which tokens may come next.
std::vector<std::string> token_texts(const Tokenizer& tok);

// Incremental detokenizer: push ids one by one, get the new text; never emits broken UTF-8 (holds
// back incomplete sequences), and the concatenation of all pushes + flush() equals decode(all ids).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = false);
  ~StreamDecoder();
  StreamDecoder(StreamDecoder&&) noexcept;
  StreamDecoder& operator=(StreamDecoder&&) noexcept;

  std::string push(int32_t id);
  // Emits what was held back and starts over (the next push begins a new text).
  std::string flush();

 private:
  Tokenizer tokenizer_;
  bool skip_special_tokens_;
  std::unique_ptr<DecodeRun> run_;
};

}  // namespace llmcp::tokenizer
