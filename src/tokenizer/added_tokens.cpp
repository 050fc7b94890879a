// Added-token matching (see added_tokens.h), following tokenizers' AddedVocabulary::find_matches:
// single_word needs non-word characters (or the text edge) on both sides; lstrip / rstrip swallow
// the whitespace next to the token so it does not reach the model.
#include "tokenizer/added_tokens.h"

#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {

AddedVocabulary::AddedVocabulary(const Json& added_tokens, const Normalizer* normalizer)
    : word_char_(R"(^[\p{Alphabetic}\p{N}_])", "added token word boundary") {
  if (added_tokens.is_null()) return;
  LLMCP_CHECK(added_tokens.is_array(), kMalformedFile, "tokenizer.json added_tokens should be a list");
  for (const Json& j : added_tokens) {
    constexpr std::string_view where = "tokenizer.json added_tokens[]";
    AddedToken t;
    const int64_t id = get_int_or(j, "id", where, -1);
    t.content = get_string(j, "content", where);
    LLMCP_CHECK(id >= 0 && id < INT32_MAX, kMalformedFile, "tokenizer.json added token '",
                t.content, "' needs an id in 0..2^31-1");
    LLMCP_CHECK(!t.content.empty(), kMalformedFile, "tokenizer.json added token ", id,
                " has empty content");
    t.id = static_cast<int32_t>(id);
    t.special = get_bool_or(j, "special", where, false);
    t.lstrip = get_bool_or(j, "lstrip", where, false);
    t.rstrip = get_bool_or(j, "rstrip", where, false);
    t.single_word = get_bool_or(j, "single_word", where, false);
    t.normalized = get_bool_or(j, "normalized", where, !t.special);
    const auto index = static_cast<int32_t>(tokens_.size());
    by_content_[t.content] = t.id;
    by_id_[t.id] = tokens_.size();
    if (t.normalized && normalizer != nullptr) {
      const std::string pattern = normalizer->normalize(t.content);
      if (!pattern.empty()) normalized_.insert(pattern, index);
    } else if (t.normalized) {
      normalized_.insert(t.content, index);
    } else {
      raw_.insert(t.content, index);
    }
    tokens_.push_back(std::move(t));
  }
}

void AddedVocabulary::Trie::insert(std::string_view pattern, int32_t token_index) {
  int32_t node = 0;
  for (const char c : pattern) {
    const auto b = static_cast<unsigned char>(c);
    auto it = children[node].find(b);
    if (it == children[node].end()) {
      it = children[node].emplace(b, static_cast<int32_t>(children.size())).first;
      children.emplace_back();
      token_at.push_back(-1);
    }
    node = it->second;
  }
  first_byte[static_cast<unsigned char>(pattern[0])] = true;
  token_at[node] = token_index;  // a repeated content keeps the last token, like a map insert
}

std::pair<int32_t, size_t> AddedVocabulary::Trie::longest_at(std::string_view s, size_t pos) const {
  std::pair<int32_t, size_t> best{-1, 0};
  if (!first_byte[static_cast<unsigned char>(s[pos])]) return best;
  int32_t node = 0;
  for (size_t i = pos; i < s.size(); ++i) {
    const auto it = children[node].find(static_cast<unsigned char>(s[i]));
    if (it == children[node].end()) break;
    node = it->second;
    if (token_at[node] >= 0) best = {token_at[node], i + 1 - pos};
  }
  return best;
}

bool AddedVocabulary::is_word_char_before(std::string_view s, size_t pos) const {
  if (pos == 0) return false;
  size_t b = pos - 1;
  while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
  return word_char_.search(s.substr(b, pos - b));
}

bool AddedVocabulary::is_word_char_at(std::string_view s, size_t pos) const {
  if (pos >= s.size()) return false;
  return word_char_.search(s.substr(pos, utf8_char_length(static_cast<unsigned char>(s[pos]))));
}

void AddedVocabulary::cut(const Segment& seg, const Trie& trie, std::vector<Segment>& out) const {
  const std::string_view s = seg.text;
  size_t emitted = 0;  // end of what has been handed out
  size_t pos = 0;
  while (pos < s.size()) {
    const auto [index, len] = trie.longest_at(s, pos);
    if (index < 0) {
      pos += utf8_char_length(static_cast<unsigned char>(s[pos]));
      continue;
    }
    const AddedToken& t = tokens_[index];
    size_t start = pos, stop = pos + len;
    pos = stop;  // non-overlapping scan, like aho-corasick's find_iter
    if (t.single_word && (is_word_char_before(s, start) || is_word_char_at(s, stop))) continue;
    if (start < emitted) continue;  // overlaps whitespace swallowed by the previous token
    if (t.lstrip) {
      while (start > emitted) {
        size_t b = start - 1;
        while (b > emitted && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
        size_t q = b;
        if (!is_unicode_whitespace(next_code_point(s, q))) break;
        start = b;
      }
    }
    if (t.rstrip) {
      while (stop < s.size()) {
        size_t q = stop;
        if (!is_unicode_whitespace(next_code_point(s, q))) break;
        stop = q;
      }
      pos = stop;
    }
    if (start > emitted) {
      out.push_back({std::string(s.substr(emitted, start - emitted)), -1, seg.at_start && emitted == 0});
    }
    out.push_back({std::string(s.substr(start, stop - start)), t.id, seg.at_start && start == 0});
    emitted = stop;
  }
  if (emitted < s.size()) {
    out.push_back({std::string(s.substr(emitted)), -1, seg.at_start && emitted == 0});
  }
}

std::vector<Segment> AddedVocabulary::split(std::vector<Segment> in, bool normalized_set) const {
  const Trie& trie = normalized_set ? normalized_ : raw_;
  if (trie.token_at.size() == 1) return in;
  std::vector<Segment> out;
  out.reserve(in.size());
  for (auto& seg : in) {
    if (seg.id >= 0) {
      out.push_back(std::move(seg));
    } else {
      cut(seg, trie, out);
    }
  }
  return out;
}

std::optional<int32_t> AddedVocabulary::token_to_id(std::string_view content) const {
  const auto it = by_content_.find(content);
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

}  // namespace llmcp::tokenizer
