// The pre-tokenizer components (see pre_tokenizer.h), each mirroring the semantics of the Rust
// tokenizers crate: ByteLevel prefixes a space per piece, splits with GPT-2's pattern, then maps
// bytes to the byte-level alphabet; Split cuts on a regex with a SplitBehavior.
#include "tokenizer/pre_tokenizer.h"

#include "tokenizer/byte_level.h"
#include "tokenizer/regex.h"
#include "tokenizer/split.h"

namespace llmcp::tokenizer {
namespace {

constexpr const char* kSupported = "ByteLevel, Split, Sequence, Metaspace, Digits, Punctuation";

// Cuts every piece around the matches of `regex`.
void split_pieces(std::vector<Piece>& pieces, const Regex& regex, SplitBehavior behavior,
                  bool invert) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (auto& p : pieces) {
    const auto ranges = split_ranges(p.text.size(), regex.find_all(p.text), behavior, invert);
    for (const auto& [b, e] : ranges) {
      out.push_back({p.text.substr(b, e - b), p.at_start && b == 0});
    }
  }
  pieces = std::move(out);
}

class ByteLevelPre : public PreTokenizer {
 public:
  explicit ByteLevelPre(const Json& j)
      : add_prefix_space_(get_bool_or(j, "add_prefix_space", "pre_tokenizer ByteLevel", true)),
        use_regex_(get_bool_or(j, "use_regex", "pre_tokenizer ByteLevel", true)) {
    if (use_regex_) regex_ = std::make_unique<Regex>(kGpt2Pattern, "pre_tokenizer ByteLevel");
  }
  void apply(std::vector<Piece>& pieces) const override {
    if (add_prefix_space_) {
      for (auto& p : pieces) {
        if (p.text.empty() || p.text[0] != ' ') p.text = " " + p.text;
      }
    }
    if (use_regex_) split_pieces(pieces, *regex_, SplitBehavior::kIsolated, false);
    for (auto& p : pieces) p.text = bytes_to_byte_level(p.text);
  }

 private:
  bool add_prefix_space_, use_regex_;
  std::unique_ptr<Regex> regex_;
};

class SplitPre : public PreTokenizer {
 public:
  explicit SplitPre(const Json& j)
      : regex_(pattern_to_regex(require(j, "pattern", "pre_tokenizer Split"), "pre_tokenizer Split"),
               "pre_tokenizer Split"),
        behavior_(parse_split_behavior(get_string(j, "behavior", "pre_tokenizer Split"))),
        invert_(get_bool_or(j, "invert", "pre_tokenizer Split", false)) {}
  void apply(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, regex_, behavior_, invert_);
  }

 private:
  Regex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

// One match per character of a class, then cut with `behavior` (Digits, Punctuation).
class CharClassPre : public PreTokenizer {
 public:
  CharClassPre(const std::string& char_class, SplitBehavior behavior, std::string_view where)
      : regex_(char_class, where), behavior_(behavior) {}
  void apply(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, regex_, behavior_, false);
  }

 private:
  Regex regex_;
  SplitBehavior behavior_;
};

class MetaspacePre : public PreTokenizer {
 public:
  explicit MetaspacePre(const Json& j)
      : replacement_(get_char(j, "replacement", "pre_tokenizer Metaspace", "\u2581")),
        split_(get_bool_or(j, "split", "pre_tokenizer Metaspace", true)),
        regex_(escape_regex(replacement_), "pre_tokenizer Metaspace") {
    // Older files carry add_prefix_space instead of prepend_scheme.
    const bool legacy_prefix = get_bool_or(j, "add_prefix_space", "pre_tokenizer Metaspace", true);
    scheme_ = get_string_or(j, "prepend_scheme", "pre_tokenizer Metaspace",
                            legacy_prefix ? "always" : "never");
    if (scheme_ != "always" && scheme_ != "first" && scheme_ != "never") {
      fail_unsupported("Metaspace prepend_scheme", scheme_, "always, first, never");
    }
  }
  void apply(std::vector<Piece>& pieces) const override {
    for (auto& p : pieces) {
      std::string replaced;
      for (const char c : p.text) {
        if (c == ' ') replaced += replacement_; else replaced += c;
      }
      const bool starts = replaced.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts && (scheme_ == "always" || (scheme_ == "first" && p.at_start))) {
        replaced.insert(0, replacement_);
      }
      p.text = std::move(replaced);
    }
    if (split_) split_pieces(pieces, regex_, SplitBehavior::kMergedWithNext, false);
  }

 private:
  std::string replacement_;
  bool split_;
  Regex regex_;
  std::string scheme_;
};

class SequencePre : public PreTokenizer {
 public:
  explicit SequencePre(const Json& j) {
    const Json& list = require(j, "pretokenizers", "pre_tokenizer Sequence");
    LLMCP_CHECK(list.is_array(), kMalformedFile, "pre_tokenizer Sequence.pretokenizers should be a list");
    for (const Json& item : list) {
      if (auto p = make_pre_tokenizer(item)) steps_.push_back(std::move(p));
    }
  }
  void apply(std::vector<Piece>& pieces) const override {
    for (const auto& s : steps_) s->apply(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = component_type(j, "pre_tokenizer");
  if (type == "ByteLevel") return std::make_unique<ByteLevelPre>(j);
  if (type == "Split") return std::make_unique<SplitPre>(j);
  if (type == "Sequence") return std::make_unique<SequencePre>(j);
  if (type == "Metaspace") return std::make_unique<MetaspacePre>(j);
  if (type == "Digits") {
    const bool individual = get_bool_or(j, "individual_digits", "pre_tokenizer Digits", false);
    return std::make_unique<CharClassPre>(
        "[0-9]", individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous,
        "pre_tokenizer Digits");
  }
  if (type == "Punctuation") {
    const auto behavior =
        parse_split_behavior(get_string_or(j, "behavior", "pre_tokenizer Punctuation", "Isolated"));
    return std::make_unique<CharClassPre>(R"([\p{P}!-/:-@\[-`{-~])", behavior,
                                          "pre_tokenizer Punctuation");
  }
  fail_unsupported("pre_tokenizer", type, kSupported);
}

}  // namespace llmcp::tokenizer
