// Decoders turn token strings back into text (tokenizer.json "decoder"). Each component is a
// streaming step, so decode() and StreamDecoder run the same code and agree by construction: a
// step holds back only what a later token could still change (an incomplete UTF-8 sequence, a
// run of <0xAB> byte tokens, trailing characters Strip may remove).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/json_util.h"

namespace llmcp::tokenizer {

class DecodeStep {
 public:
  virtual ~DecodeStep() = default;
  virtual std::unique_ptr<DecodeStep> fresh() const = 0;  // same configuration, empty state
  virtual void push(std::string piece, std::vector<std::string>& out) = 0;
  virtual void finish(std::vector<std::string>& out) = 0;
};

// One decode in progress: feed token strings, read text.
class DecodeRun {
 public:
  explicit DecodeRun(std::vector<std::unique_ptr<DecodeStep>> steps) : steps_(std::move(steps)) {}
  std::string push(std::string token);
  std::string finish();

 private:
  std::string run_from(size_t first_step, std::vector<std::string> pieces);
  std::vector<std::unique_ptr<DecodeStep>> steps_;
};

class Decoder {
 public:
  // Null JSON joins tokens with spaces, as tokenizers does without a decoder.
  static Decoder from_json(const Json& j);
  DecodeRun start() const;

 private:
  std::vector<std::unique_ptr<DecodeStep>> steps_;
};

}  // namespace llmcp::tokenizer
