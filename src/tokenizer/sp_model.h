// SentencePiece backend for checkpoints that ship only tokenizer.model: encoding is done by
// libsentencepiece itself (exact by construction), decoding by the same decoder steps Hugging Face
// uses for such models once converted (▁ -> space, byte fallback, fuse, strip the dummy prefix), so
// decode() and StreamDecoder agree. The sentencepiece headers stay inside sp_model.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_util.h"

namespace llmcp::tokenizer {

class SpModel {
 public:
  // Loads tokenizer.model; a broken file throws core::Error(kMalformedFile) naming it.
  explicit SpModel(const std::filesystem::path& model_file);
  ~SpModel();
  SpModel(const SpModel&) = delete;
  SpModel& operator=(const SpModel&) = delete;

  void encode(std::string_view text, std::vector<int32_t>& out) const;  // appends ids
  std::optional<int32_t> piece_to_id(std::string_view piece) const;     // nullopt for unknown pieces
  const std::string* id_to_piece(int32_t id) const;                     // nullptr out of range
  int32_t size() const;

  // tokenizer.json equivalents for the rest of the pipeline: the control pieces (<s>, </s>, ...) as
  // special added tokens, the decoder, and the unk/bos/eos piece strings ("" when the model has none).
  Json added_tokens_json() const;
  Json decoder_json() const;
  std::string unk_piece() const, bos_piece() const, eos_piece() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmcp::tokenizer
