// tokenizer_config.json parsing (see tokenizer_config.h). model_max_length is often a huge float
// (1e30 means "no limit"); it is clamped to int64's maximum instead of overflowing.
#include "tokenizer/tokenizer_config.h"

#include <cmath>
#include <limits>

namespace llmcp::tokenizer {
namespace {

constexpr std::string_view kWhere = "tokenizer_config.json";

std::optional<std::string> token_text(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  LLMCP_CHECK(it->is_object(), kMalformedFile, kWhere, ".", key,
              " should be a string or {\"content\": ...}");
  return get_string(*it, "content", std::string(kWhere) + "." + key);
}

std::optional<bool> flag(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  LLMCP_CHECK(it->is_boolean(), kMalformedFile, kWhere, ".", key, " should be true or false");
  return it->get<bool>();
}

}  // namespace

TokenizerConfig TokenizerConfig::parse(const std::string& text) {
  TokenizerConfig c;
  if (text.empty()) return c;
  Json j;
  try {
    j = Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kMalformedFile, kWhere, " is not valid JSON: ", e.what());
  }
  LLMCP_CHECK(j.is_object(), kMalformedFile, kWhere, " should hold a JSON object");
  c.bos = token_text(j, "bos_token");
  c.eos = token_text(j, "eos_token");
  c.pad = token_text(j, "pad_token");
  c.unk = token_text(j, "unk_token");
  c.add_bos = flag(j, "add_bos_token");
  c.add_eos = flag(j, "add_eos_token");
  if (const auto it = j.find("model_max_length"); it != j.end() && !it->is_null()) {
    LLMCP_CHECK(it->is_number(), kMalformedFile, kWhere, ".model_max_length should be a number");
    const double v = it->get<double>();
    LLMCP_CHECK(!std::isnan(v) && v >= 0, kMalformedFile, kWhere,
                ".model_max_length should be a non-negative number");
    constexpr auto kMax = std::numeric_limits<int64_t>::max();
    if (it->is_number_integer()) {
      c.model_max_length = it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(kMax)
                               ? kMax : it->get<int64_t>();
    } else {
      c.model_max_length = v >= 9.2e18 ? kMax : static_cast<int64_t>(v);
    }
  }
  return c;
}

}  // namespace llmcp::tokenizer
