// Request fields and response objects of the OpenAI API; see openai_requests.h.
#include "api/openai_requests.h"

#include <algorithm>
#include <random>

#include "core/error.h"

namespace llmcp::api {
namespace {

double number(const Json& body, const char* key) {
  LLMCP_CHECK(body[key].is_number(), kInvalidArgument, "'", key, "' must be a number, got ", body[key].dump());
  return body[key].get<double>();
}

int64_t integer(const Json& body, const char* key) {
  LLMCP_CHECK(body[key].is_number_integer(), kInvalidArgument, "'", key, "' must be an integer, got ", body[key].dump());
  return body[key].get<int64_t>();
}

bool given(const Json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

// A field this server does not act on: accepted only at the value that changes nothing.
void refuse_unless(const Json& body, const char* key, const Json& neutral, const char* why) {
  if (!given(body, key)) return;
  LLMCP_CHECK(body[key] == neutral, kInvalidArgument, "'", key, "' is not supported by this server (", why,
              "); leave it out");
}

}  // namespace

void read_generation(const Json& body, engine::GenerateRequest& g, bool chat) {
  LLMCP_CHECK(body.is_object(), kInvalidArgument, "the request body must be a JSON object");
  for (const char* key : chat ? std::vector<const char*>{"max_completion_tokens", "max_tokens"}
                              : std::vector<const char*>{"max_tokens"}) {
    if (!given(body, key)) continue;
    const int64_t n = integer(body, key);
    LLMCP_CHECK(n >= 1, kInvalidArgument, "'", key, "' must be at least 1, got ", n);
    g.max_new_tokens = n;
    g.max_new_tokens_name = std::string("'") + key + "'";
    break;
  }
  if (!g.max_new_tokens) g.max_new_tokens_name = "'max_tokens'";
  g.truncate_hint = "";  // no truncation here: the prompt must fit
  if (!chat && !g.max_new_tokens) g.max_new_tokens = 16;  // OpenAI's default for completions
  if (given(body, "temperature")) {
    const double t = number(body, "temperature");
    LLMCP_CHECK(t >= 0 && t <= 2, kInvalidArgument, "'temperature' must be between 0 and 2, got ", t);
    g.temperature = t;
  }
  if (given(body, "top_p")) g.top_p = number(body, "top_p");
  if (given(body, "top_k")) {
    const int64_t k = integer(body, "top_k");
    LLMCP_CHECK(k >= -1, kInvalidArgument, "'top_k' must be -1 (off) or at least 0, got ", k);
    g.top_k = k < 0 ? 0 : k;
  }
  if (given(body, "min_p")) g.min_p = number(body, "min_p");
  if (given(body, "repetition_penalty")) g.repetition_penalty = number(body, "repetition_penalty");
  if (given(body, "seed")) {
    const int64_t s = integer(body, "seed");
    LLMCP_CHECK(s >= 0, kInvalidArgument, "'seed' must be >= 0, got ", s);
    g.seed = static_cast<uint64_t>(s);
  }
  if (given(body, "ignore_eos")) {  // vLLM's extra sampling parameter
    LLMCP_CHECK(body["ignore_eos"].is_boolean(), kInvalidArgument, "'ignore_eos' must be true or false");
    g.ignore_eos = body["ignore_eos"].get<bool>();
  }
  if (given(body, "stop")) {
    const auto& s = body["stop"];
    if (s.is_string()) {
      g.stop = {s.get<std::string>()};
    } else {
      LLMCP_CHECK(s.is_array() && s.size() <= 16, kInvalidArgument, "'stop' must be a string or a list of at most 16");
      for (const auto& x : s) {
        LLMCP_CHECK(x.is_string() && !x.get<std::string>().empty(), kInvalidArgument,
                    "'stop' entries must be non-empty strings, got ", x.dump());
        g.stop.push_back(x);
      }
    }
  }
  if (chat) {  // logprobs: true|false, top_logprobs: 0..20 with it
    LLMCP_CHECK(!given(body, "logprobs") || body["logprobs"].is_boolean(), kInvalidArgument,
                "'logprobs' must be true or false");
    const bool on = given(body, "logprobs") && body["logprobs"].get<bool>();
    if (given(body, "top_logprobs")) {
      const int64_t k = integer(body, "top_logprobs");
      LLMCP_CHECK(k >= 0 && k <= 20, kInvalidArgument, "'top_logprobs' must be 0 to 20, got ", k);
      LLMCP_CHECK(on, kInvalidArgument, "'top_logprobs' needs 'logprobs': true");
      g.logprobs = k;
    } else if (on) {
      g.logprobs = 0;
    }
  } else if (given(body, "logprobs")) {  // completions: the number of most likely tokens, 0..20
    const int64_t k = integer(body, "logprobs");
    LLMCP_CHECK(k >= 0 && k <= 20, kInvalidArgument, "'logprobs' must be 0 to 20, got ", k);
    g.logprobs = k;
  }
  refuse_unless(body, "frequency_penalty", 0, "use repetition_penalty");
  refuse_unless(body, "presence_penalty", 0, "use repetition_penalty");
  refuse_unless(body, "echo", false, "the prompt is not echoed");
  refuse_unless(body, "best_of", 1, "use n");
  refuse_unless(body, "suffix", nullptr, "no insertion");
  refuse_unless(body, "logit_bias", Json::object(), "no logit bias");
  refuse_unless(body, "response_format", Json{{"type", "text"}}, "no constrained output");
}

int64_t read_n(const Json& body) {
  if (!given(body, "n")) return 1;
  const int64_t n = integer(body, "n");
  LLMCP_CHECK(n >= 1 && n <= 16, kInvalidArgument, "'n' must be 1 to 16, got ", n);
  return n;
}

bool read_stream(const Json& body) {
  if (!given(body, "stream")) return false;
  LLMCP_CHECK(body["stream"].is_boolean(), kInvalidArgument, "'stream' must be true or false");
  return body["stream"].get<bool>();
}

bool include_usage(const Json& body) {
  return given(body, "stream_options") && body["stream_options"].is_object() &&
         body["stream_options"].value("include_usage", false);
}

std::string read_prompt(const Json& body) {
  LLMCP_CHECK(given(body, "prompt"), kInvalidArgument, "'prompt' is required");
  const auto& p = body["prompt"];
  if (p.is_string()) return p.get<std::string>();
  LLMCP_CHECK(p.is_array() && p.size() == 1 && p[0].is_string(), kInvalidArgument,
              "'prompt' must be a string (or a list of one string); send several prompts as several requests");
  return p[0].get<std::string>();
}

ToolChoice read_tool_choice(const Json& body) {
  if (!given(body, "tool_choice")) return {};
  const auto& c = body["tool_choice"];
  if (c.is_string() && (c == "auto" || c == "none" || c == "required")) return {c.get<std::string>(), ""};
  LLMCP_CHECK(c.is_object() && c.value("type", "") == "function" && c.contains("function") &&
                  c["function"].is_object() && c["function"].contains("name") && c["function"]["name"].is_string(),
              kInvalidArgument,
              "'tool_choice' must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": "
              "{\"name\": ...}}, got ",
              c.dump());
  return {"function", c["function"]["name"].get<std::string>()};
}

std::string finish_reason(const std::string& r) {
  if (r == "eos" || r == "stop") return "stop";
  if (r == "length") return "length";
  return "abort";
}

Json usage_json(int64_t prompt_tokens, int64_t completion_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

namespace {

double finite(double lp) { return std::max(lp, -9999.0); }

Json utf8_bytes(const std::string& s) {
  Json b = Json::array();
  for (unsigned char c : s) b.push_back(c);
  return b;
}

}  // namespace

Json completion_logprobs(const std::vector<engine::TokenLogprob>& tokens, int64_t& offset) {
  Json out = {{"tokens", Json::array()}, {"token_logprobs", Json::array()}, {"top_logprobs", Json::array()},
              {"text_offset", Json::array()}};
  for (const auto& t : tokens) {
    out["tokens"].push_back(t.token);
    out["token_logprobs"].push_back(finite(t.logprob));
    Json top = Json::object();  // the most likely tokens, and the chosen one (as OpenAI's legacy API)
    for (const auto& [text, lp] : t.top) top[text] = finite(lp);
    if (!top.contains(t.token)) top[t.token] = finite(t.logprob);
    out["top_logprobs"].push_back(top);
    out["text_offset"].push_back(offset);
    offset += static_cast<int64_t>(t.token.size());
  }
  return out;
}

Json chat_logprobs(const std::vector<engine::TokenLogprob>& tokens) {
  Json content = Json::array();
  for (const auto& t : tokens) {
    Json top = Json::array();
    for (const auto& [text, lp] : t.top)
      top.push_back({{"token", text}, {"logprob", finite(lp)}, {"bytes", utf8_bytes(text)}});
    content.push_back(
        {{"token", t.token}, {"logprob", finite(t.logprob)}, {"bytes", utf8_bytes(t.token)}, {"top_logprobs", top}});
  }
  return {{"content", content}, {"refusal", nullptr}};
}

Json chat_message(const engine::ChatResponse& r) {
  Json m = {{"role", "assistant"}};
  m["content"] = r.tool_calls.empty() || !r.content.empty() ? Json(r.content) : Json(nullptr);
  if (!r.tool_calls.empty()) {
    Json calls = Json::array();
    for (const auto& c : r.tool_calls)
      calls.push_back({{"id", random_id("call_")},
                       {"type", "function"},
                       {"function", {{"name", c["name"]}, {"arguments", c["arguments"].dump()}}}});
    m["tool_calls"] = calls;
  }
  return m;
}

std::string random_id(const std::string& prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string s = prefix;
  for (int i = 0; i < 24; ++i) s += hex[rng() % 16];
  return s;
}

}  // namespace llmcp::api
