// PCRE2 glue for Regex (see regex.h). JIT-compiled when available; a match that overflows the JIT
// stack on a very long input is retried with the interpreter instead of failing.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.h"

#include <pcre2.h>

#include "core/error.h"
#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {

struct Regex::Compiled {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Compiled() { pcre2_code_free(code); }
};

namespace {

struct MatchData {
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {
    LLMCP_CHECK(data != nullptr, kInternal, "PCRE2 could not allocate match data");
  }
  ~MatchData() { pcre2_match_data_free(data); }
  pcre2_match_data* data;
};

// One match attempt from `start`; returns false when there is no further match.
bool match_once(const pcre2_code* code, bool jit, std::string_view s, size_t start,
                pcre2_match_data* md, ByteRange& out) {
  const auto subject = reinterpret_cast<PCRE2_SPTR>(s.data());
  int rc = pcre2_match(code, subject, s.size(), start, PCRE2_NO_UTF_CHECK, md, nullptr);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT && jit) {
    rc = pcre2_match(code, subject, s.size(), start, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
  }
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(rc, buf, sizeof(buf));
    LLMCP_FAIL(kInternal, "regex match failed: ", reinterpret_cast<const char*>(buf));
  }
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  out = {ov[0], ov[1]};
  return true;
}

}  // namespace

Regex::Regex(const std::string& pattern, std::string_view where)
    : pattern_(pattern), compiled_(std::make_unique<Compiled>()) {
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                  PCRE2_UTF | PCRE2_UCP, &err, &err_offset, nullptr);
  if (compiled_->code == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof(buf));
    LLMCP_FAIL(kMalformedFile, where, ": regex '", pattern, "' does not compile at offset ",
               err_offset, ": ", reinterpret_cast<const char*>(buf));
  }
  compiled_->jit = pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() = default;

std::vector<ByteRange> Regex::find_all(std::string_view s) const {
  std::vector<ByteRange> out;
  MatchData md(compiled_->code);
  size_t start = 0;
  ByteRange m;
  while (start <= s.size() && match_once(compiled_->code, compiled_->jit, s, start, md.data, m)) {
    out.push_back(m);
    if (m.second > m.first) {
      start = m.second;
    } else {  // empty match: step over one character so the scan always moves on
      if (m.second >= s.size()) break;
      start = m.second + utf8_char_length(static_cast<unsigned char>(s[m.second]));
    }
  }
  return out;
}

bool Regex::search(std::string_view s) const {
  MatchData md(compiled_->code);
  ByteRange m;
  return match_once(compiled_->code, compiled_->jit, s, 0, md.data, m);
}

std::string escape_regex(std::string_view literal) {
  std::string out = "\\Q";
  size_t pos = 0;
  while (true) {  // \Q...\E quoting; a literal "\E" inside has to be split out
    const size_t e = literal.find("\\E", pos);
    if (e == std::string_view::npos) break;
    out.append(literal.substr(pos, e - pos));
    out += "\\E\\\\E\\Q";
    pos = e + 2;
  }
  out.append(literal.substr(pos));
  out += "\\E";
  return out;
}

}  // namespace llmcp::tokenizer
