// A small, deterministic byte-level BPE trainer for the synthetic models used in tests and demos:
// no download needed, and the tokenizer.json it writes loads both here and in Hugging Face's
// tokenizers (GPT-2 style: ByteLevel pre-tokenizer, decoder and post-processor).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmcp::tokenizer {

// Trains on `corpus` (each entry is pre-tokenized on its own) and returns a complete tokenizer.json:
// the special tokens get ids 0..n-1, the 256 byte symbols n..n+255 (in byte order), then one token
// per merge until `vocab_size` is reached or no pair is left. Ties between equally frequent pairs
// go to the lowest ids, so the same input always gives the same file.
std::string train_byte_level_bpe(const std::vector<std::string>& corpus, int vocab_size,
                                 const std::vector<std::string>& special_tokens);

// A few KB of built-in English-like text with code and tool-call JSON, for training in tests.
std::string default_corpus();

// Splits text into lines, each keeping its '\n' (so newline merges are learned too).
std::vector<std::string> split_lines(std::string_view text);

}  // namespace llmcp::tokenizer
