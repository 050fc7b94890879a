// Tokenizer::encode_with_spans: which bytes of the input each token came from, so a caller can map
// character ranges (an assistant turn in a rendered chat) onto tokens. The ids are encode()'s; the
// spans come from aligning each token's surface text with the input. The only differences the
// pipelines of the supported tokenizers introduce are spaces written as "▁", a "▁" or " " prefix
// they insert, and whitespace an added token's lstrip/rstrip swallows; anything else is a bug and
// throws kInternal instead of returning wrong spans.
#include <algorithm>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {
namespace {

constexpr std::string_view kMeta = "\xE2\x96\x81";  // "▁"

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// "<0xAB>" -> 0xAB, or -1.
int byte_token_value(std::string_view t) {
  if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
  auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
  const int hi = hex(t[3]), lo = hex(t[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// Matches `surface` against `text` from `pos`; returns the position after it, or npos.
size_t match(std::string_view surface, std::string_view text, size_t pos) {
  size_t k = 0;
  while (k < surface.size()) {
    if (surface.compare(k, kMeta.size(), kMeta) == 0) {
      // "▁" itself, "▁" for a space of the text, or a prefix the pipeline inserted.
      if (text.compare(pos, kMeta.size(), kMeta) == 0) {
        pos += kMeta.size();
      } else if (pos < text.size() && text[pos] == ' ') {
        ++pos;
      }
      k += kMeta.size();
    } else if (pos < text.size() && text[pos] == surface[k]) {
      ++pos, ++k;
    } else if (surface[k] == ' ') {
      ++k;  // ByteLevel's add_prefix_space
    } else if (pos < text.size() && is_space(text[pos])) {
      ++pos;  // swallowed by an added token's lstrip / rstrip
    } else {
      return std::string_view::npos;
    }
  }
  return pos;
}

}  // namespace

Encoding Tokenizer::encode_with_spans(std::string_view text, bool add_special_tokens) const {
  const Impl& t = *impl_;
  Encoding e;
  const std::vector<int32_t> ids = encode(text, false);
  if (add_special_tokens) {
    e.ids = t.wrap.prefix;
    e.spans.assign(t.wrap.prefix.size(), TokenSpan{0, 0});
  }
  size_t pos = 0;
  std::string surface;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    const std::string token = id_to_token(id);
    const bool added = t.added->by_id(id) != nullptr;
    const size_t begin = pos;
    size_t end = std::string_view::npos;
    surface.clear();
    if (added || !t.byte_level || !byte_level_to_bytes(token, surface)) surface = token;
    end = match(surface, text, pos);
    if (end == std::string_view::npos && !added) {
      if (const int b = byte_token_value(token); b >= 0) end = match(std::string(1, static_cast<char>(b)), text, pos);
    }
    if (end == std::string_view::npos && t.wrap.special.unk && id == *t.wrap.special.unk) {
      // An unknown character (or a fused run of them): up to where the next token matches.
      end = pos;
      do {
        end += std::max<size_t>(1, utf8_char_length(static_cast<unsigned char>(text[end])));
      } while (end < text.size() && i + 1 < ids.size() &&
               match(id_to_token(ids[i + 1]).substr(0, 1), text, end) == std::string_view::npos);
      end = std::min(end, text.size());
    }
    LLMCP_CHECK(end != std::string_view::npos, kInternal, "cannot align token ", id, " (",
                token, ") with the text at byte ", pos, "; please report this with the text");
    e.ids.push_back(id);
    e.spans.push_back({begin, end});
    pos = end;
  }
  // Trailing whitespace a stripping step dropped belongs to the last token.
  while (pos < text.size() && is_space(text[pos])) ++pos;
  LLMCP_CHECK(pos == text.size(), kInternal, "tokens cover only ", pos, " of ", text.size(),
              " bytes of the text; please report this with the text");
  if (!e.spans.empty()) e.spans.back().end = std::max(e.spans.back().end, pos);
  if (add_special_tokens) {
    e.ids.insert(e.ids.end(), t.wrap.suffix.begin(), t.wrap.suffix.end());
    e.spans.insert(e.spans.end(), t.wrap.suffix.size(), TokenSpan{text.size(), text.size()});
  }
  return e;
}

}  // namespace llmcp::tokenizer
