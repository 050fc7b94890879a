// BPE model (see bpe_model.h). The merge loop follows tokenizers' Word::merge_all: a min-heap of
// (rank, position) candidates, stale entries skipped on pop, so a word of n symbols costs
// O(n log n) instead of rescanning all pairs after every merge.
#include "tokenizer/bpe_model.h"

#include <cstdio>
#include <limits>
#include <queue>

#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {
namespace {

constexpr size_t kCacheCapacity = 10000;     // same limit as tokenizers' BPE cache
constexpr size_t kMaxCachedWordBytes = 256;

struct Candidate {
  int32_t rank, pos, new_id;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

struct Symbol {
  int32_t id, prev, next;
  bool alive;
};

}  // namespace

BpeModel::BpeModel(const Json& model) {
  constexpr std::string_view where = "tokenizer.json model";
  const Json& vocab = require(model, "vocab", where);
  LLMCP_CHECK(vocab.is_object(), kMalformedFile, where, ".vocab should map tokens to ids");
  vocab_.reserve(vocab.size());
  for (const auto& [token, id_json] : vocab.items()) {
    LLMCP_CHECK(id_json.is_number_integer(), kMalformedFile, where, ".vocab['", token,
                "'] should be an integer id");
    const int64_t id = id_json.get<int64_t>();
    LLMCP_CHECK(id >= 0 && id < std::numeric_limits<int32_t>::max(), kMalformedFile, where,
                ".vocab['", token, "'] has id ", id, " outside 0..2^31-1");
    vocab_[token] = static_cast<int32_t>(id);
    if (static_cast<size_t>(id) >= id_to_token_.size()) {
      id_to_token_.resize(id + 1);
      has_id_.resize(id + 1, false);
    }
    id_to_token_[id] = token;
    has_id_[id] = true;
  }
  unk_token_ = get_string_or(model, "unk_token", where, "");
  continuing_subword_prefix_ = get_string_or(model, "continuing_subword_prefix", where, "");
  end_of_word_suffix_ = get_string_or(model, "end_of_word_suffix", where, "");
  fuse_unk_ = get_bool_or(model, "fuse_unk", where, false);
  byte_fallback_ = get_bool_or(model, "byte_fallback", where, false);
  ignore_merges_ = get_bool_or(model, "ignore_merges", where, false);
  const auto dropout = model.find("dropout");
  LLMCP_CHECK(dropout == model.end() || dropout->is_null() || *dropout == 0.0, kUnsupported,
              "tokenizer.json: BPE dropout is a training-time option and is not supported; "
              "set model.dropout to null");
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    byte_ids_[b] = token_to_id(name).value_or(-1);
  }
  load_merges(require(model, "merges", where));
}

void BpeModel::load_merges(const Json& merges) {
  LLMCP_CHECK(merges.is_array(), kMalformedFile, "tokenizer.json model.merges should be a list");
  merges_.reserve(merges.size() * 2);
  int32_t rank = 0;
  for (const Json& m : merges) {
    std::string a, b;
    if (m.is_string()) {  // legacy format: "a b"
      const std::string& s = m.get_ref<const std::string&>();
      const size_t space = s.find(' ');
      LLMCP_CHECK(space != std::string::npos, kMalformedFile, "tokenizer.json model.merges[", rank,
                  "] = '", s, "' should be two tokens separated by a space");
      a = s.substr(0, space);
      b = s.substr(space + 1);
    } else {  // current format: ["a", "b"]
      LLMCP_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(),
                  kMalformedFile, "tokenizer.json model.merges[", rank,
                  "] should be \"a b\" or [\"a\", \"b\"]");
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    }
    const auto ia = token_to_id(a), ib = token_to_id(b);
    LLMCP_CHECK(ia && ib, kMalformedFile, "tokenizer.json model.merges[", rank, "] uses token '",
                ia ? b : a, "' which is not in the vocab");
    std::string merged = a;
    merged += std::string_view(b).substr(
        b.compare(0, continuing_subword_prefix_.size(), continuing_subword_prefix_) == 0
            ? continuing_subword_prefix_.size() : 0);
    const auto inew = token_to_id(merged);
    LLMCP_CHECK(inew.has_value(), kMalformedFile, "tokenizer.json model.merges[", rank,
                "] produces '", merged, "' which is not in the vocab");
    merges_[pair_key(*ia, *ib)] = Merge{rank, *inew};  // a repeated pair keeps its last rank
    ++rank;
  }
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size() || !has_id_[id]) return nullptr;
  return &id_to_token_[id];
}

int32_t BpeModel::unk_id() const {
  const auto id = token_to_id(unk_token_);
  LLMCP_CHECK(id.has_value(), kMalformedFile, "tokenizer.json: unk_token '", unk_token_,
              "' is needed for this text but is not in the vocab");
  return *id;
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const auto id = token_to_id(word)) {
      out.push_back(*id);
      return;
    }
  }
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto it = cache_.find(word);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> ids;
  merge_word(word, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() < kCacheCapacity) cache_.emplace(std::string(word), std::move(ids));
  }
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& out) const {
  // 1. One symbol per character; unknown characters become byte tokens or the unk token.
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  auto add = [&symbols](int32_t id) {
    const auto n = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, n - 1, n + 1, true});
  };
  int32_t pending_unk = -1;  // an unk token not yet added (it may still fuse)
  std::string piece;
  for (size_t pos = 0; pos < word.size();) {
    const size_t begin = pos;
    next_code_point(word, pos);
    piece.assign(begin > 0 ? continuing_subword_prefix_ : std::string());
    piece.append(word.substr(begin, pos - begin));
    if (pos == word.size()) piece += end_of_word_suffix_;
    if (const auto id = token_to_id(piece)) {
      if (pending_unk >= 0) add(pending_unk), pending_unk = -1;
      add(*id);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (size_t k = begin; k < pos; ++k) all = all && byte_ids_[static_cast<unsigned char>(word[k])] >= 0;
      if (all) {
        if (pending_unk >= 0) add(pending_unk), pending_unk = -1;
        for (size_t k = begin; k < pos; ++k) add(byte_ids_[static_cast<unsigned char>(word[k])]);
        continue;
      }
    }
    if (unk_token_.empty()) continue;  // like tokenizers: no unk token, the character is dropped
    if (pending_unk >= 0 && !fuse_unk_) add(pending_unk);
    if (pending_unk < 0 || !fuse_unk_) pending_unk = unk_id();
  }
  if (pending_unk >= 0) add(pending_unk);
  if (symbols.empty()) return;
  symbols.back().next = -1;

  // 2. Apply merges, lowest rank first (ties: leftmost), skipping candidates that went stale.
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto push_pair = [&](int32_t pos) {
    const int32_t next = symbols[pos].next;
    if (next < 0) return;
    const auto it = merges_.find(pair_key(symbols[pos].id, symbols[next].id));
    if (it != merges_.end()) queue.push({it->second.rank, pos, it->second.new_id});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) push_pair(i);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    const auto it = merges_.find(pair_key(left.id, right.id));
    if (it == merges_.end() || it->second.new_id != top.new_id) continue;
    left.id = top.new_id;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = top.pos;
    if (left.prev >= 0) push_pair(left.prev);
    push_pair(top.pos);
  }
  for (const Symbol& s : symbols) {
    if (s.alive) out.push_back(s.id);
  }
}

}  // namespace llmcp::tokenizer
