// Shared helpers for the tokenizer tests: the synthetic tokenizer trained on the built-in corpus,
// random UTF-8 text covering awkward characters, and a byte-level vocab builder for hand-made cases.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/bpe_trainer.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace llmcp::tokenizer::test {

inline const std::vector<std::string>& specials() {
  static const std::vector<std::string> s = {"<s>", "</s>", "<unk>", "<pad>"};
  return s;
}

// tokenizer.json of the synthetic tokenizer (512 ids), trained once per test binary.
inline const std::string& trained_json() {
  static const std::string j = train_byte_level_bpe(split_lines(default_corpus()), 512, specials());
  return j;
}

inline const Tokenizer& trained() {
  static const Tokenizer t = Tokenizer::from_json(
      trained_json(), R"({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                          "pad_token": "<pad>", "model_max_length": 2048})");
  return t;
}

inline bool valid_utf8(std::string_view s) { return find_invalid_utf8(s) == std::string_view::npos; }

// Random valid UTF-8 mixing ASCII, controls, Latin-1, combining marks, CJK, Hangul, emoji with ZWJ
// and variation selectors, noncharacters, private use, U+FFFD and the highest code points.
// `hf_safe` leaves out U+0085 and U+FEFF, which JavaScript's \s classifies differently from
// Oniguruma (the regex engine of Rust tokenizers) — see hf_reference_test.cpp.
inline std::string random_text(std::mt19937& rng, size_t max_chars, bool hf_safe = false) {
  static const std::vector<std::pair<uint32_t, uint32_t>> ranges = {
      {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E}, {0x61, 0x7A}, {0x61, 0x7A},  // weighted to ASCII
      {0x00, 0x1F}, {0x7F, 0x7F}, {0x85, 0x85}, {0xA0, 0xFF}, {0x300, 0x36F},
      {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x1F300, 0x1FAFF}, {0x200D, 0x200D}, {0xFE0F, 0xFE0F},
      {0xFEFF, 0xFEFF}, {0xFFFD, 0xFFFF}, {0xE000, 0xE0FF}, {0x10FFFF, 0x10FFFF}, {0x2000, 0x200A},
      {0x3000, 0x3000}, {0x0600, 0x06FF}, {0x0900, 0x097F}, {0x20, 0x20}, {0x0A, 0x0A}};
  std::uniform_int_distribution<size_t> len_dist(0, max_chars);
  std::uniform_int_distribution<size_t> range_dist(0, ranges.size() - 1);
  std::string out;
  const size_t n = len_dist(rng);
  for (size_t i = 0; i < n; ++i) {
    const auto [lo, hi] = ranges[range_dist(rng)];
    const uint32_t cp = std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
    if (hf_safe && (cp == 0x85 || cp == 0xFEFF)) continue;
    append_code_point(out, cp);
  }
  return out;
}

// A byte-level vocab: byte b has id b (so "Ġ" = 32), then `extra` tokens from id 256 on.
inline nlohmann::json byte_level_vocab(const std::vector<std::string>& extra) {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_to_unicode()[b]] = b;
  for (size_t i = 0; i < extra.size(); ++i) vocab[extra[i]] = 256 + static_cast<int>(i);
  return vocab;
}

// Runs `f` and returns the code of the core::Error it throws (fails the test if it does not).
template <typename F>
core::ErrorCode error_code_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const core::Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "expected a core::Error";
  return core::ErrorCode::kInternal;
}

}  // namespace llmcp::tokenizer::test
