// Decoder pipeline (see decoder.h). Steps see either whole tokens or, after Fuse / ByteLevel
// (which join everything into one string in tokenizers), chunks of one running string; Replace
// and Strip then act on that string as a whole, holding back text at chunk edges when needed.
#include "tokenizer/decoder.h"

#include "tokenizer/decode_steps.h"

namespace llmcp::tokenizer {
namespace {

constexpr const char* kSupported = "ByteLevel, Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace";

void add_steps(const Json& j, bool& fused, std::vector<std::unique_ptr<DecodeStep>>& steps) {
  const std::string type = component_type(j, "decoder");
  if (type == "Sequence") {
    const Json& list = require(j, "decoders", "decoder Sequence");
    LLMCP_CHECK(list.is_array(), kMalformedFile, "decoder Sequence.decoders should be a list");
    for (const Json& item : list) {
      if (!item.is_null()) add_steps(item, fused, steps);
    }
  } else if (type == "ByteLevel") {
    steps.push_back(make_byte_level_step());
    fused = true;
  } else if (type == "Replace") {
    const Json& pattern = require(j, "pattern", "decoder Replace");
    LLMCP_CHECK(pattern.is_object() && pattern.contains("String") && pattern["String"].is_string(),
                kUnsupported, "tokenizer.json: decoder Replace supports only {\"String\": ...} patterns");
    steps.push_back(make_replace_step(pattern["String"].get<std::string>(),
                                      get_string(j, "content", "decoder Replace"), fused));
  } else if (type == "ByteFallback") {
    steps.push_back(make_byte_fallback_step(fused));
  } else if (type == "Fuse") {
    steps.push_back(make_fuse_step());
    fused = true;
  } else if (type == "Strip") {
    const int64_t start = get_int_or(j, "start", "decoder Strip", 0);
    const int64_t stop = get_int_or(j, "stop", "decoder Strip", 0);
    LLMCP_CHECK(start >= 0 && stop >= 0, kMalformedFile, "decoder Strip start/stop should be >= 0");
    steps.push_back(make_strip_step(get_char(j, "content", "decoder Strip", " "),
                                    static_cast<size_t>(start), static_cast<size_t>(stop), fused));
  } else if (type == "Metaspace") {
    const bool legacy_prefix = get_bool_or(j, "add_prefix_space", "decoder Metaspace", true);
    const std::string scheme = get_string_or(j, "prepend_scheme", "decoder Metaspace",
                                             legacy_prefix ? "always" : "never");
    steps.push_back(make_metaspace_step(get_char(j, "replacement", "decoder Metaspace", "\u2581"),
                                        scheme != "never", fused));
  } else {
    fail_unsupported("decoder", type, kSupported);
  }
}

}  // namespace

Decoder Decoder::from_json(const Json& j) {
  Decoder d;
  bool fused = false;
  if (j.is_null()) {
    d.steps_.push_back(make_space_join_step());
  } else {
    add_steps(j, fused, d.steps_);
  }
  return d;
}

DecodeRun Decoder::start() const {
  std::vector<std::unique_ptr<DecodeStep>> steps;
  steps.reserve(steps_.size());
  for (const auto& s : steps_) steps.push_back(s->fresh());
  return DecodeRun(std::move(steps));
}

std::string DecodeRun::run_from(size_t first_step, std::vector<std::string> pieces) {
  std::vector<std::string> next;
  for (size_t i = first_step; i < steps_.size() && !pieces.empty(); ++i) {
    next.clear();
    for (auto& p : pieces) steps_[i]->push(std::move(p), next);
    pieces.swap(next);
  }
  std::string text;
  for (const auto& p : pieces) text += p;
  return text;
}

std::string DecodeRun::push(std::string token) {
  std::vector<std::string> pieces;
  pieces.push_back(std::move(token));
  return run_from(0, std::move(pieces));
}

std::string DecodeRun::finish() {
  std::string text;
  for (size_t i = 0; i < steps_.size(); ++i) {
    std::vector<std::string> out;
    steps_[i]->finish(out);
    text += run_from(i + 1, std::move(out));
  }
  return text;
}

}  // namespace llmcp::tokenizer
