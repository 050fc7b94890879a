// The decoder steps (see decoder.h). Each mirrors a tokenizers decoder's decode_chain, rewritten
// to consume one token at a time and to emit text only once no later token can change it.
#include "tokenizer/decode_steps.h"

#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {
namespace {

template <typename Self>
class Step : public DecodeStep {
 public:
  std::unique_ptr<DecodeStep> fresh() const override {
    auto copy = std::make_unique<Self>(static_cast<const Self&>(*this));
    copy->reset();
    return copy;
  }
  void finish(std::vector<std::string>&) override {}
  void reset() {}
};

// Maps byte-level characters back to bytes; a token with other characters is taken as raw UTF-8.
// The joined bytes are repaired like String::from_utf8_lossy.
class ByteLevelStep : public Step<ByteLevelStep> {
 public:
  void push(std::string piece, std::vector<std::string>& out) override {
    std::string bytes;
    if (!byte_level_to_bytes(piece, bytes)) bytes = std::move(piece);
    if (std::string text = repair_.push(bytes); !text.empty()) out.push_back(std::move(text));
  }
  void finish(std::vector<std::string>& out) override {
    if (std::string text = repair_.finish(); !text.empty()) out.push_back(std::move(text));
  }
  void reset() { repair_ = Utf8Repairer(); }

 private:
  Utf8Repairer repair_;
};

std::string replace_all(std::string_view s, std::string_view pattern, std::string_view content,
                        size_t& tail) {
  std::string out;
  size_t prev = 0;
  for (size_t at = s.find(pattern); !pattern.empty() && at != std::string_view::npos;
       at = s.find(pattern, prev)) {
    out.append(s.substr(prev, at - prev));
    out.append(content);
    prev = at + pattern.size();
  }
  tail = prev;
  out.append(s.substr(prev));
  return out;
}

class ReplaceStep : public Step<ReplaceStep> {
 public:
  ReplaceStep(std::string pattern, std::string content, bool fused)
      : pattern_(std::move(pattern)), content_(std::move(content)), fused_(fused) {}
  void push(std::string piece, std::vector<std::string>& out) override {
    size_t tail = 0;
    if (!fused_) {
      out.push_back(replace_all(piece, pattern_, content_, tail));
      return;
    }
    // One running string: matches inside what we have are final (leftmost-first literal search);
    // after the last one, keep back a suffix that could still grow into the pattern.
    held_ += piece;
    std::string text = replace_all(held_, pattern_, content_, tail);
    size_t keep = 0;
    for (size_t k = std::min(pattern_.size() - 1, held_.size() - tail); k > 0; --k) {
      if (held_.compare(held_.size() - k, k, pattern_, 0, k) == 0) {
        keep = k;
        break;
      }
    }
    text.resize(text.size() - keep);
    held_.erase(0, held_.size() - keep);
    if (!text.empty()) out.push_back(std::move(text));
  }
  void finish(std::vector<std::string>& out) override {
    if (!held_.empty()) out.push_back(std::move(held_));
    held_.clear();
  }
  void reset() { held_.clear(); }

 private:
  std::string pattern_, content_;
  bool fused_;
  std::string held_;
};

// "<0xAB>" tokens become bytes; a run of them becomes its text if valid UTF-8, otherwise one
// U+FFFD per byte (tokenizers' ByteFallback). The run is held until a non-byte token ends it.
class ByteFallbackStep : public Step<ByteFallbackStep> {
 public:
  explicit ByteFallbackStep(bool fused) : fused_(fused) {}
  void push(std::string piece, std::vector<std::string>& out) override {
    int byte = -1;
    if (!fused_ && piece.size() == 6 && piece.compare(0, 3, "<0x") == 0 && piece[5] == '>') {
      byte = hex(piece[3]) < 0 || hex(piece[4]) < 0 ? -1 : hex(piece[3]) * 16 + hex(piece[4]);
    }
    if (byte >= 0) {
      run_ += static_cast<char>(byte);
      return;
    }
    flush(out);
    out.push_back(std::move(piece));
  }
  void finish(std::vector<std::string>& out) override { flush(out); }
  void reset() { run_.clear(); }

 private:
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  void flush(std::vector<std::string>& out) {
    if (run_.empty()) return;
    if (find_invalid_utf8(run_) == std::string::npos) {
      out.push_back(std::move(run_));
    } else {
      for (size_t i = 0; i < run_.size(); ++i) out.push_back("\xEF\xBF\xBD");
    }
    run_.clear();
  }
  bool fused_;
  std::string run_;
};

class FuseStep : public Step<FuseStep> {
 public:
  void push(std::string piece, std::vector<std::string>& out) override {
    out.push_back(std::move(piece));
  }
};

// Removes up to `start` leading and `stop` trailing `content` characters from each token, or from
// the whole string when fused (then trailing candidates are held until more text arrives).
class StripStep : public Step<StripStep> {
 public:
  StripStep(std::string content, size_t start, size_t stop, bool fused)
      : content_(std::move(content)), start_(start), stop_(stop), fused_(fused) {}
  void push(std::string piece, std::vector<std::string>& out) override {
    if (!fused_) {
      const size_t lead = count_leading(piece, start_);
      const size_t trail = count_trailing(piece, std::min(stop_, count_chars(piece) - lead));
      out.push_back(piece.substr(lead * content_.size(),
                                 piece.size() - (lead + trail) * content_.size()));
      return;
    }
    if (stripped_ < start_) {
      const size_t lead = count_leading(piece, start_ - stripped_);
      stripped_ += lead;
      piece.erase(0, lead * content_.size());
      if (piece.empty()) return;
      stripped_ = start_;  // met another character: leading strip is over
    }
    held_ += piece;
    const size_t trail = count_trailing(held_, stop_);
    const size_t ready = held_.size() - trail * content_.size();
    if (ready > 0) out.push_back(held_.substr(0, ready));
    held_.erase(0, ready);
  }
  void finish(std::vector<std::string>&) override { held_.clear(); }
  void reset() {
    held_.clear();
    stripped_ = 0;
  }

 private:
  size_t count_chars(std::string_view s) const {
    size_t n = 0;
    for (size_t pos = 0; pos < s.size(); ++n) next_code_point(s, pos);
    return n;
  }
  size_t count_leading(std::string_view s, size_t limit) const {
    size_t n = 0;
    while (n < limit && s.substr(n * content_.size()).starts_with(content_)) ++n;
    return n;
  }
  size_t count_trailing(std::string_view s, size_t limit) const {
    size_t n = 0;
    while (n < limit && s.substr(0, s.size() - n * content_.size()).ends_with(content_)) ++n;
    return n;
  }
  std::string content_;
  size_t start_, stop_;
  bool fused_;
  size_t stripped_ = 0;
  std::string held_;
};

// Metaspace decoder: the replacement character becomes a space, and is dropped altogether in the
// first token (where the pre-tokenizer had prepended it).
class MetaspaceStep : public Step<MetaspaceStep> {
 public:
  MetaspaceStep(std::string replacement, bool strip_first, bool fused)
      : replacement_(std::move(replacement)), strip_first_(strip_first), fused_(fused) {}
  void push(std::string piece, std::vector<std::string>& out) override {
    const bool first = !seen_token_;
    seen_token_ = true;
    const char* space = first && strip_first_ && !fused_ ? "" : " ";
    size_t tail = 0;
    out.push_back(replace_all(piece, replacement_, space, tail));
  }
  void reset() { seen_token_ = false; }

 private:
  std::string replacement_;
  bool strip_first_, fused_;
  bool seen_token_ = false;
};

// Without a decoder, tokenizers joins the tokens with single spaces.
class SpaceJoinStep : public Step<SpaceJoinStep> {
 public:
  void push(std::string piece, std::vector<std::string>& out) override {
    if (seen_token_) out.push_back(" ");
    seen_token_ = true;
    out.push_back(std::move(piece));
  }
  void reset() { seen_token_ = false; }

 private:
  bool seen_token_ = false;
};

}  // namespace

std::unique_ptr<DecodeStep> make_byte_level_step() { return std::make_unique<ByteLevelStep>(); }
std::unique_ptr<DecodeStep> make_replace_step(std::string pattern, std::string content, bool fused) {
  return std::make_unique<ReplaceStep>(std::move(pattern), std::move(content), fused);
}
std::unique_ptr<DecodeStep> make_byte_fallback_step(bool fused) {
  return std::make_unique<ByteFallbackStep>(fused);
}
std::unique_ptr<DecodeStep> make_fuse_step() { return std::make_unique<FuseStep>(); }
std::unique_ptr<DecodeStep> make_strip_step(std::string content, size_t start, size_t stop,
                                            bool fused) {
  return std::make_unique<StripStep>(std::move(content), start, stop, fused);
}
std::unique_ptr<DecodeStep> make_metaspace_step(std::string replacement, bool strip_first,
                                                bool fused) {
  return std::make_unique<MetaspaceStep>(std::move(replacement), strip_first, fused);
}
std::unique_ptr<DecodeStep> make_space_join_step() { return std::make_unique<SpaceJoinStep>(); }

}  // namespace llmcp::tokenizer
