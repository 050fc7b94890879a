// Loading a JSONL file: line by line, each line either becomes an example or an error with its
// number and reason (invalid UTF-8 or JSON, a different format, a bad field, nothing left after
// truncation); the summary is what `llm-mcp train` and the MCP tools report about a dataset.
#include "train/data/dataset.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "tokenizer/utf8.h"
#include "train/data/jsonl_reader.h"
#include "train/data/record_format.h"

namespace llmcp::data {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column
// N: " prefix (a record is one line; the byte says where).
std::string json_error(const ordered_json::parse_error& e) {
  std::string what = e.what();
  if (what.starts_with("[json.exception.")) what.erase(0, what.find("] ") + 2);
  if (what.starts_with("parse error at line ")) what.erase(0, what.find(": ") + 2);
  return "not valid JSON at byte " + std::to_string(e.byte) + ": " + what;
}

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t\r\f\v") == std::string::npos; }

// Cuts `e` to `max_len` tokens; throws when no target token would remain.
void truncate(Example& e, int64_t max_len) {
  size_t first = 1;
  while (first < e.mask.size() && !e.mask[first]) ++first;
  LLMCP_CHECK(static_cast<int64_t>(first) < max_len, kInvalidArgument, "the completion starts after token ", first,
              " (seq_len ", max_len, "): raise seq_len");
  e.ids.resize(static_cast<size_t>(max_len));
  e.mask.resize(static_cast<size_t>(max_len));
}

}  // namespace

const char* format_name(DataFormat f) {
  switch (f) {
    case DataFormat::kText: return "text";
    case DataFormat::kInstruction: return "instruction";
    case DataFormat::kChat: return "chat";
    case DataFormat::kToolCalls: return "tool_calls";
  }
  return "text";
}

Dataset DataContext::load(const fs::path& path) const {
  JsonlReader reader(path);
  Dataset ds;
  ds.path = path.string();
  std::optional<DataFormat> format;
  int64_t detected_at = 0;
  JsonlLine line;
  while (reader.next(line)) {
    ++ds.lines;
    auto fail = [&](std::string reason) {
      ++ds.skipped;
      ds.errors.push_back({line.number, std::move(reason)});
    };
    if (line.too_long) {
      fail("the line is longer than 16 MB, the limit for one record");
      continue;
    }
    if (is_blank(line.text)) {
      ++ds.blank;
      continue;
    }
    if (const size_t bad = tokenizer::find_invalid_utf8(line.text); bad != std::string::npos) {
      fail("not valid UTF-8 at byte " + std::to_string(bad + 1) + " of the line: save the file as UTF-8");
      continue;
    }
    ordered_json r;
    try {
      r = ordered_json::parse(line.text);
    } catch (const ordered_json::parse_error& e) {
      fail(json_error(e));
      continue;
    }
    if (!format) {
      format = detect_format(r);
      if (!format) {
        fail(unknown_format_reason(r));
        continue;
      }
      detected_at = line.number;
    } else if (auto mismatch = format_mismatch(r, *format, detected_at)) {
      fail(std::move(*mismatch));
      continue;
    }
    try {
      Example e = encode_record(r, *format);
      e.line = line.number;
      if (options_.max_seq_len > 0 && static_cast<int64_t>(e.ids.size()) > options_.max_seq_len) {
        truncate(e, options_.max_seq_len);
        ++ds.truncated;
      }
      ds.examples.push_back(std::move(e));
      ++ds.used;
    } catch (const core::Error& e) {
      fail(e.what());
      continue;
    }
    const auto& used = keys_used_by(*format);
    for (auto it = r.begin(); it != r.end(); ++it)
      if (!used.contains(it.key())) ++ds.ignored_keys[it.key()];
  }
  if (format) ds.format = *format;
  LLMCP_CHECK(ds.lines > ds.blank, kInvalidArgument, "dataset '", ds.path,
              "' is empty: expected one JSON object per line, e.g. {\"text\": \"...\"}");
  if (ds.used == 0) {
    std::string first;
    for (size_t i = 0; i < std::min<size_t>(5, ds.errors.size()); ++i)
      first += "\n  line " + std::to_string(ds.errors[i].line) + ": " + ds.errors[i].reason;
    LLMCP_FAIL(kInvalidArgument, "dataset '", ds.path, "' has no usable line (", ds.lines, " lines, ", ds.skipped,
               " skipped); the first errors:", first);
  }
  return ds;
}

ordered_json summary_json(const Dataset& ds) {
  ordered_json j;
  j["path"] = ds.path;
  j["format"] = format_name(ds.format);
  j["lines"] = ds.lines;
  j["used"] = ds.used;
  j["skipped"] = ds.skipped;
  j["blank"] = ds.blank;
  j["truncated"] = ds.truncated;
  j["errors"] = ordered_json::array();
  for (size_t i = 0; i < std::min<size_t>(20, ds.errors.size()); ++i)
    j["errors"].push_back({{"line", ds.errors[i].line}, {"reason", ds.errors[i].reason}});
  std::vector<int64_t> lengths;
  int64_t total = 0, targets = 0;
  for (const auto& e : ds.examples) {
    lengths.push_back(static_cast<int64_t>(e.ids.size()));
    total += lengths.back();
    for (size_t i = 1; i < e.mask.size(); ++i) targets += e.mask[i];
  }
  std::sort(lengths.begin(), lengths.end());
  // Nearest rank: the smallest length with at least p of the examples at or below it.
  auto pct = [&](double p) -> int64_t {
    if (lengths.empty()) return 0;
    const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(lengths.size())));
    return lengths[std::clamp<size_t>(rank, 1, lengths.size()) - 1];
  };
  j["tokens"] = {{"total", total},
                 {"targets", targets},
                 {"min", lengths.empty() ? 0 : lengths.front()},
                 {"max", lengths.empty() ? 0 : lengths.back()},
                 {"mean", lengths.empty() ? 0.0 : static_cast<double>(total) / static_cast<double>(lengths.size())},
                 {"p50", pct(0.5)},
                 {"p95", pct(0.95)}};
  j["ignored_keys"] = ds.ignored_keys;
  return j;
}

}  // namespace llmcp::data
