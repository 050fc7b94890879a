// Byte-level BPE training (see bpe_trainer.h). Pair counts are kept up to date incrementally:
// a merge only rewrites the words that contain the pair, and a max-heap with lazy invalidation
// picks the next pair, so training costs about O(merges x affected words), not full recounts.
#include "tokenizer/bpe_trainer.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pre_tokenizer.h"

namespace llmcp::tokenizer {
namespace {

struct Word {
  std::vector<int32_t> symbols;
  int64_t count;
};

uint64_t key(int32_t a, int32_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b); }

// (count, a, b): most frequent first, then the lowest ids.
using Entry = std::tuple<int64_t, int32_t, int32_t>;
struct EntryLess {
  bool operator()(const Entry& x, const Entry& y) const {
    if (std::get<0>(x) != std::get<0>(y)) return std::get<0>(x) < std::get<0>(y);
    return std::make_pair(std::get<1>(x), std::get<2>(x)) > std::make_pair(std::get<1>(y), std::get<2>(y));
  }
};

// Counts the byte-level words of the corpus, with the special tokens cut out of the text.
std::map<std::string, int64_t> count_words(const std::vector<std::string>& corpus,
                                           const std::vector<std::string>& specials) {
  const auto pre = make_pre_tokenizer(
      Json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}});
  std::map<std::string, int64_t> counts;
  for (const std::string& text : corpus) {
    std::vector<Piece> pieces{{text, true}};
    for (const std::string& s : specials) {
      std::vector<Piece> cut;
      for (const Piece& p : pieces) {
        size_t prev = 0;
        for (size_t at = p.text.find(s); at != std::string::npos; at = p.text.find(s, prev)) {
          cut.push_back({p.text.substr(prev, at - prev), false});
          prev = at + s.size();
        }
        cut.push_back({p.text.substr(prev), false});
      }
      pieces = std::move(cut);
    }
    std::erase_if(pieces, [](const Piece& p) { return p.text.empty(); });
    pre->apply(pieces);
    for (const Piece& p : pieces) ++counts[p.text];
  }
  return counts;
}

std::string to_json(const std::vector<std::string>& specials, const std::vector<std::string>& vocab,
                    const std::vector<std::pair<int32_t, int32_t>>& merges) {
  using OJson = nlohmann::ordered_json;
  OJson added = OJson::array();
  for (size_t i = 0; i < specials.size(); ++i) {
    added.push_back({{"id", i}, {"content", specials[i]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  OJson merge_list = OJson::array();
  for (const auto& [a, b] : merges) merge_list.push_back(vocab[a] + " " + vocab[b]);
  const OJson byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false},
                            {"trim_offsets", true}, {"use_regex", true}};
  OJson doc = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr},
               {"added_tokens", added}, {"normalizer", nullptr}, {"pre_tokenizer", byte_level},
               {"post_processor", byte_level}, {"decoder", byte_level}};
  doc["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
                  {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                  {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
                  {"vocab", "@VOCAB@"}, {"merges", merge_list}};
  // The vocab is written by hand, in id order (ordered_json inserts in quadratic time).
  std::string vocab_text = "{";
  for (size_t id = 0; id < vocab.size(); ++id) {
    vocab_text += (id ? ",\n" : "\n") + std::string(6, ' ') + OJson(vocab[id]).dump() + ": " +
                  std::to_string(id);
  }
  vocab_text += "\n    }";
  std::string text = doc.dump(2);
  const size_t at = text.find("\"@VOCAB@\"");
  text.replace(at, 9, vocab_text);
  return text + "\n";
}

}  // namespace

std::string train_byte_level_bpe(const std::vector<std::string>& corpus, int vocab_size,
                                 const std::vector<std::string>& special_tokens) {
  const auto n_special = static_cast<int32_t>(special_tokens.size());
  LLMCP_CHECK(vocab_size >= n_special + 256, kInvalidArgument, "vocab_size ", vocab_size,
              " is too small: it needs the ", n_special, " special tokens plus 256 byte symbols");
  std::vector<std::string> vocab(special_tokens);
  std::unordered_map<std::string, int32_t> ids;
  for (int32_t i = 0; i < n_special; ++i) {
    LLMCP_CHECK(!vocab[i].empty() && ids.emplace(vocab[i], i).second, kInvalidArgument,
                "special tokens must be distinct and non-empty (got '", vocab[i], "')");
  }
  for (int b = 0; b < 256; ++b) {
    const std::string& sym = byte_to_unicode()[b];
    LLMCP_CHECK(ids.emplace(sym, n_special + b).second, kInvalidArgument, "special token '", sym,
                "' collides with a byte symbol");
    vocab.push_back(sym);
  }
  // Words as symbol ids, and where each pair occurs.
  std::vector<Word> words;
  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<int32_t>> pair_words;
  for (const auto& [text, count] : count_words(corpus, special_tokens)) {
    Word w{{}, count};
    std::string bytes;  // the word is byte-level text: map it back to bytes, one symbol each
    byte_level_to_bytes(text, bytes);
    for (const char c : bytes) w.symbols.push_back(n_special + static_cast<unsigned char>(c));
    for (size_t i = 0; i + 1 < w.symbols.size(); ++i) {
      const uint64_t k = key(w.symbols[i], w.symbols[i + 1]);
      pair_count[k] += count;
      pair_words[k].push_back(static_cast<int32_t>(words.size()));
    }
    words.push_back(std::move(w));
  }
  std::priority_queue<Entry, std::vector<Entry>, EntryLess> heap;
  for (const auto& [k, c] : pair_count) heap.emplace(c, static_cast<int32_t>(k >> 32), static_cast<int32_t>(k));

  std::vector<std::pair<int32_t, int32_t>> merges;
  while (static_cast<int>(vocab.size()) < vocab_size && !heap.empty()) {
    const auto [count, a, b] = heap.top();
    heap.pop();
    const int64_t current = pair_count[key(a, b)];
    if (current != count) {  // stale entry: counts only shrink, so re-queue the true value
      if (current > 0) heap.emplace(current, a, b);
      continue;
    }
    if (count <= 0) break;
    const std::string merged = vocab[a] + vocab[b];
    auto [it, is_new] = ids.emplace(merged, static_cast<int32_t>(vocab.size()));
    if (is_new) vocab.push_back(merged);
    const int32_t z = it->second;
    merges.emplace_back(a, b);
    // Rewrite every word holding the pair; record how each pair's count changes.
    std::vector<int32_t> where = std::move(pair_words[key(a, b)]);
    std::sort(where.begin(), where.end());
    where.erase(std::unique(where.begin(), where.end()), where.end());
    std::map<uint64_t, int64_t> delta;
    for (const int32_t wi : where) {
      Word& w = words[wi];
      std::vector<int32_t> out;
      out.reserve(w.symbols.size());
      for (size_t i = 0; i < w.symbols.size(); ++i) {
        if (i + 1 < w.symbols.size() && w.symbols[i] == a && w.symbols[i + 1] == b) {
          out.push_back(z);
          ++i;
        } else {
          out.push_back(w.symbols[i]);
        }
      }
      if (out.size() == w.symbols.size()) continue;
      for (size_t i = 0; i + 1 < w.symbols.size(); ++i) delta[key(w.symbols[i], w.symbols[i + 1])] -= w.count;
      for (size_t i = 0; i + 1 < out.size(); ++i) {
        const uint64_t k = key(out[i], out[i + 1]);
        delta[k] += w.count;
        pair_words[k].push_back(wi);
      }
      w.symbols = std::move(out);
    }
    for (const auto& [k, d] : delta) {
      pair_count[k] += d;
      if (d > 0) heap.emplace(pair_count[k], static_cast<int32_t>(k >> 32), static_cast<int32_t>(k));
    }
  }
  return to_json(special_tokens, vocab, merges);
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t prev = 0;
  while (prev < text.size()) {
    const size_t nl = text.find('\n', prev);
    const size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.emplace_back(text.substr(prev, end - prev));
    prev = end;
  }
  return lines;
}

}  // namespace llmcp::tokenizer
