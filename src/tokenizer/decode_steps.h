// Factories for the streaming decoder steps used by decoder.cpp. `fused` says the step receives
// chunks of one joined string (after Fuse or ByteLevel) instead of separate tokens.
#pragma once

#include <memory>
#include <string>

#include "tokenizer/decoder.h"

namespace llmcp::tokenizer {

std::unique_ptr<DecodeStep> make_byte_level_step();
std::unique_ptr<DecodeStep> make_replace_step(std::string pattern, std::string content, bool fused);
std::unique_ptr<DecodeStep> make_byte_fallback_step(bool fused);
std::unique_ptr<DecodeStep> make_fuse_step();
std::unique_ptr<DecodeStep> make_strip_step(std::string content, size_t start, size_t stop, bool fused);
std::unique_ptr<DecodeStep> make_metaspace_step(std::string replacement, bool strip_first, bool fused);
std::unique_ptr<DecodeStep> make_space_join_step();

}  // namespace llmcp::tokenizer
