// Whether a text, read one byte at a time, is still the beginning of one JSON object (RFC 8259
// syntax; any bytes >= 0x20 inside strings). Constrained decoding holds a forced tool call's
// arguments to it while they are generated, so they always parse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace llmcp::tokenizer::chat {

class JsonObjectPrefix {
 public:
  // Takes one more byte; false when it cannot follow (the object is then unusable: callers try
  // a copy first).
  bool push(char c);
  bool complete() const { return mode_ == Mode::kDone; }  // the top-level object is closed
  // The shortest text that completes the object from here ("" once complete): what a generation
  // about to run out of tokens is steered to.
  std::string closing() const;

  static constexpr int kMaxDepth = 64;     // the tool-call parser's limit
  static constexpr int kMaxWhitespace = 16;  // in a row: room for indentation, not for a loop
  // Digits of a number's integer or fraction part, and of its exponent: finite as a double, so
  // every reader parses it (nlohmann's refuses overflow).
  static constexpr int kMaxDigits = 64, kMaxExponentDigits = 2;

 private:
  enum class Mode : uint8_t {
    kStart, kKeyOrEnd, kKey, kColon, kValue, kValueOrEnd, kAfter,
    kString, kEscape, kHex, kLowBackslash, kLowU, kWord, kMinus, kZero, kInt, kDot, kFrac, kExp, kExpSign, kExpDigits, kDone
  };
  bool open(char bracket);
  bool close(char bracket);
  bool value_start(char c);
  bool after_value(char c);
  bool hex_digit(char c);
  bool digit(char c, Mode next, int limit);
  std::string hex_rest() const;

  std::string stack_;  // '{' / '[' per open container
  Mode mode_ = Mode::kStart;
  bool in_key_ = false;
  int hex_left_ = 0, whitespace_ = 0, digits_ = 0;
  unsigned hex_value_ = 0;
  bool want_low_ = false;  // a \uD800-\uDBFF escape was read: a low surrogate's escape must follow
  std::string_view word_;  // the rest of true / false / null
};

}  // namespace llmcp::tokenizer::chat
