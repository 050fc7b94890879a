// Normalizer components (see normalizer.h), matching the Rust tokenizers crate: Prepend leaves
// empty text alone; Replace substitutes every non-overlapping match, left to right.
#include "tokenizer/normalizer.h"

#include <vector>

#include "tokenizer/regex.h"

namespace llmcp::tokenizer {
namespace {

class PrependNorm : public Normalizer {
 public:
  explicit PrependNorm(const Json& j) : prefix_(get_string(j, "prepend", "normalizer Prepend")) {}
  std::string normalize(std::string_view text) const override {
    if (text.empty()) return {};
    return prefix_ + std::string(text);
  }

 private:
  std::string prefix_;
};

class ReplaceNorm : public Normalizer {
 public:
  explicit ReplaceNorm(const Json& j)
      : regex_(pattern_to_regex(require(j, "pattern", "normalizer Replace"), "normalizer Replace"),
               "normalizer Replace"),
        content_(get_string(j, "content", "normalizer Replace")) {}
  std::string normalize(std::string_view text) const override {
    std::string out;
    size_t prev = 0;
    for (const auto& [b, e] : regex_.find_all(text)) {
      if (b == e) continue;
      out.append(text.substr(prev, b - prev));
      out += content_;
      prev = e;
    }
    out.append(text.substr(prev));
    return out;
  }

 private:
  Regex regex_;
  std::string content_;
};

class SequenceNorm : public Normalizer {
 public:
  explicit SequenceNorm(const Json& j) {
    const Json& list = require(j, "normalizers", "normalizer Sequence");
    LLMCP_CHECK(list.is_array(), kMalformedFile, "normalizer Sequence.normalizers should be a list");
    for (const Json& item : list) {
      if (auto n = make_normalizer(item)) steps_.push_back(std::move(n));
    }
  }
  std::string normalize(std::string_view text) const override {
    std::string s(text);
    for (const auto& n : steps_) s = n->normalize(s);
    return s;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const Json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = component_type(j, "normalizer");
  if (type == "Prepend") return std::make_unique<PrependNorm>(j);
  if (type == "Replace") return std::make_unique<ReplaceNorm>(j);
  if (type == "Sequence") return std::make_unique<SequenceNorm>(j);
  fail_unsupported("normalizer", type, "Sequence, Prepend, Replace");
}

}  // namespace llmcp::tokenizer
