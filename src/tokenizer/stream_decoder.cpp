// StreamDecoder (see tokenizer.h): one DecodeRun fed id by id. decode() uses the same steps, so
// the pushed pieces always add up to the full decode, and every piece is valid UTF-8.
#include "tokenizer/decoder.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(tokenizer),
      skip_special_tokens_(skip_special_tokens),
      run_(std::make_unique<DecodeRun>(tokenizer_.start_decode())) {}

StreamDecoder::~StreamDecoder() = default;
StreamDecoder::StreamDecoder(StreamDecoder&&) noexcept = default;
StreamDecoder& StreamDecoder::operator=(StreamDecoder&&) noexcept = default;

std::string StreamDecoder::push(int32_t id) {
  if (skip_special_tokens_ && tokenizer_.is_special(id)) return {};
  return run_->push(tokenizer_.token_for_decode(id));
}

std::string StreamDecoder::flush() {
  std::string text = run_->finish();
  run_ = std::make_unique<DecodeRun>(tokenizer_.start_decode());
  return text;
}

}  // namespace llmcp::tokenizer
