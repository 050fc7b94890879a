// The OpenAI-compatible routes; see openai_api.h. A streamed answer is generated inside the
// response's content provider, one SSE chunk per piece of text: a client that goes away fails
// the next write, which cancels its request (its KV blocks are freed at the next step).
#include "api/openai_api.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>

#include "api/openai_requests.h"
#include "api/prometheus.h"
#include "api/served_models.h"
#include "core/error.h"
#include "mcp/http_guards.h"

namespace llmcp::api {
namespace {

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void reply_json(httplib::Response& res, int status, const Json& j) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

// OpenAI's error object for any exception (never libtorch's text: user_message).
void reply_error(httplib::Response& res, const std::exception& e) {
  const auto code = core::user_code(e);
  int status = 500;
  std::string type = "server_error";
  switch (code) {
    case core::ErrorCode::kInvalidArgument:
    case core::ErrorCode::kShapeMismatch:
    case core::ErrorCode::kMalformedFile:
    case core::ErrorCode::kUnsupported: status = 400, type = "invalid_request_error"; break;
    case core::ErrorCode::kNotFound: status = 404, type = "not_found_error"; break;
    case core::ErrorCode::kPermissionDenied: status = 403, type = "permission_error"; break;
    default: break;
  }
  reply_json(res, status,
             {{"error", {{"message", core::user_message(e)}, {"type", type}, {"param", nullptr}, {"code", status}}}});
}

std::string sse(const Json& j) { return "data: " + j.dump() + "\n\n"; }

using Write = std::function<bool(const std::string&)>;
// An SSE response produced by `body` inside the content provider: `write` sends an event and
// turns false once the client is gone (so is `gone`, which cancels the generation); a failure
// becomes an error event; the stream always ends with [DONE].
void stream_sse(httplib::Response& res, std::function<void(const Write& write, std::atomic<bool>& gone)> body) {
  res.set_chunked_content_provider("text/event-stream", [body = std::move(body)](size_t, httplib::DataSink& sink) {
    std::atomic<bool> gone{false};
    const Write write = [&](const std::string& s) {
      if (!gone && !sink.write(s.data(), s.size())) gone = true;
      return !gone.load();
    };
    try {
      body(write, gone);
    } catch (const std::exception& e) {
      write(sse({{"error", {{"message", core::user_message(e)}, {"type", "invalid_request_error"}}}}));
    }
    write("data: [DONE]\n\n");
    sink.done();
    return true;
  });
}

}  // namespace

struct OpenAiApi::Impl {
  engine::Serving& serving;
  ApiOptions opt;
  ServedModels served;

  Impl(engine::Serving& s, ApiOptions o) : serving(s), opt(std::move(o)), served(serving, opt) {}

  // The base and the adapter a request's `model` names ("" = the base).
  ServedModels::Target resolve(const Json& body) const {
    LLMCP_CHECK(!body.contains("model") || body["model"].is_string(), kInvalidArgument, "'model' must be a string");
    return served.resolve(body.value("model", ""));
  }
  std::string model_name(const Json& body) const { return body.value("model", opt.served_name); }

  // Runs `n` generations at once (one engine request each, batched together).
  template <class F>
  static auto choices(int64_t n, F run) {
    std::vector<std::future<decltype(run(0))>> futs;
    for (int64_t i = 0; i < n; ++i) futs.push_back(std::async(std::launch::async, run, i));
    std::vector<decltype(run(0))> out;
    for (auto& f : futs) out.push_back(f.get());
    return out;
  }

  // `n` streamed choices at once: `one(i, write)` sends choice i's chunks; writes are serialized.
  template <class F>
  static auto stream_choices(int64_t n, const Write& write, F one) {
    auto mu = std::make_shared<std::mutex>();
    const Write locked = [mu, &write](const std::string& s) {
      std::lock_guard lock(*mu);
      return write(s);
    };
    return choices(n, [&](int64_t i) { return one(i, locked); });
  }

  void completions(const Json& body, httplib::Response& res) {
    const auto resolved = resolve(body);
    const std::string adapter = resolved.adapter;
    engine::GenerateRequest g;
    g.model_dir = resolved.model_dir;
    g.prompt = read_prompt(body);
    read_generation(body, g, false);
    const int64_t n = read_n(body);
    const std::string id = random_id("cmpl-"), name = model_name(body);
    auto seeded = [g](int64_t i) {
      auto gi = g;
      gi.seed = g.seed + static_cast<uint64_t>(i);
      return gi;
    };
    if (read_stream(body)) {
      const bool usage = include_usage(body);
      auto chunk = [id, name, t = now_s()](const Json& choice) {
        return sse({{"id", id}, {"object", "text_completion"}, {"created", t}, {"model", name}, {"choices", {choice}}});
      };
      stream_sse(res, [this, seeded, n, adapter, chunk, usage, id, name](const Write& write, std::atomic<bool>& gone) {
        auto rs = stream_choices(n, write, [&](int64_t i, const Write& send) {
          auto gi = seeded(i);
          std::vector<engine::TokenLogprob> pending;  // since the last chunk
          int64_t offset = 0;
          if (gi.logprobs >= 0) gi.on_logprob = [&](const engine::TokenLogprob& l) { pending.push_back(l); };
          auto logprobs = [&]() -> Json {
            if (gi.logprobs < 0) return nullptr;
            Json j = completion_logprobs(pending, offset);
            pending.clear();
            return j;
          };
          auto r = serving.generate(gi, adapter, &gone, [&](const std::string& piece) {
            return send(chunk({{"index", i}, {"text", piece}, {"logprobs", logprobs()}, {"finish_reason", nullptr}}));
          });
          send(chunk({{"index", i}, {"text", ""}, {"logprobs", logprobs()}, {"finish_reason", finish_reason(r.finish_reason)}}));
          return r;
        });
        int64_t completion = 0;
        for (const auto& r : rs) completion += r.completion_tokens;
        if (usage)
          write(sse({{"id", id}, {"object", "text_completion"}, {"created", now_s()}, {"model", name},
                     {"choices", Json::array()}, {"usage", usage_json(rs.front().prompt_tokens, completion)}}));
      });
      return;
    }
    auto rs = choices(n, [&](int64_t i) { return serving.generate(seeded(i), adapter, nullptr); });
    Json cs = Json::array();
    int64_t completion = 0;
    for (size_t i = 0; i < rs.size(); ++i) {
      int64_t offset = 0;
      cs.push_back({{"index", i}, {"text", rs[i].text},
                    {"logprobs", g.logprobs >= 0 ? completion_logprobs(rs[i].logprobs, offset) : Json(nullptr)},
                    {"finish_reason", finish_reason(rs[i].finish_reason)}});
      completion += rs[i].completion_tokens;
    }
    reply_json(res, 200, {{"id", id}, {"object", "text_completion"}, {"created", now_s()}, {"model", name},
                          {"choices", cs}, {"usage", usage_json(rs.front().prompt_tokens, completion)}});
  }

  void chat(const Json& body, httplib::Response& res) {
    const auto resolved = resolve(body);
    engine::ChatRequest c;
    c.generation.model_dir = resolved.model_dir;
    c.adapter = resolved.adapter;
    read_generation(body, c.generation, true);
    LLMCP_CHECK(body.contains("messages") && body["messages"].is_array() && !body["messages"].empty(),
                kInvalidArgument, "'messages' must be a non-empty list of {\"role\", \"content\"}");
    c.messages = body["messages"];
    const auto tool_choice = read_tool_choice(body);
    c.tool_choice = tool_choice.choice;
    c.tool_name = tool_choice.name;
    if (body.contains("tools") && !body["tools"].is_null() && c.tool_choice != "none") c.tools = body["tools"];
    LLMCP_CHECK(!c.tools.is_null() || c.tool_choice == "auto" || c.tool_choice == "none", kInvalidArgument,
                "'tool_choice' ", body["tool_choice"].dump(), " needs 'tools'");
    const int64_t n = read_n(body);
    const std::string id = random_id("chatcmpl-"), name = model_name(body);
    auto finish_of = [](const engine::ChatResponse& r) {
      return r.tool_calls.empty() ? finish_reason(r.generation.finish_reason) : std::string("tool_calls");
    };
    auto seeded = [c](int64_t i) {
      auto ci = c;
      ci.generation.seed = c.generation.seed + static_cast<uint64_t>(i);
      return ci;
    };
    const bool logprobs = c.generation.logprobs >= 0;
    if (read_stream(body)) {
      const bool usage = include_usage(body);
      auto chunk = [id, name, t = now_s()](int64_t i, const Json& delta, const Json& lp, const Json& finish) {
        return sse({{"id", id}, {"object", "chat.completion.chunk"}, {"created", t}, {"model", name},
                    {"choices", {{{"index", i}, {"delta", delta}, {"logprobs", lp}, {"finish_reason", finish}}}}});
      };
      stream_sse(res, [this, seeded, n, logprobs, chunk, usage, id, name, finish_of](const Write& write,
                                                                                    std::atomic<bool>& gone) {
        auto rs = stream_choices(n, write, [&](int64_t i, const Write& send) {
          auto ci = seeded(i);
          // With tools the text is held back: a tool call's markup must not reach `content`.
          const bool live = ci.tools.is_null();
          std::vector<engine::TokenLogprob> pending;  // since the last chunk
          if (logprobs && live) ci.generation.on_logprob = [&](const engine::TokenLogprob& l) { pending.push_back(l); };
          auto lp = [&]() -> Json {
            if (!logprobs || !live) return nullptr;
            Json j = chat_logprobs(pending);
            pending.clear();
            return j;
          };
          send(chunk(i, {{"role", "assistant"}, {"content", ""}}, nullptr, nullptr));
          if (live) ci.on_text = [&](const std::string& piece) { return send(chunk(i, {{"content", piece}}, lp(), nullptr)); };
          auto r = serving.chat(ci, &gone);
          if (!live) {
            const Json m = chat_message(r);
            Json delta = Json::object();
            if (!m["content"].is_null()) delta["content"] = m["content"];
            if (m.contains("tool_calls")) {
              Json calls = m["tool_calls"];
              for (size_t k = 0; k < calls.size(); ++k) calls[k]["index"] = k;
              delta["tool_calls"] = calls;
            }
            if (!delta.empty())
              send(chunk(i, delta, logprobs ? chat_logprobs(r.generation.logprobs) : Json(nullptr), nullptr));
          }
          send(chunk(i, Json::object(), lp(), finish_of(r)));
          return r;
        });
        int64_t completion = 0;
        for (const auto& r : rs) completion += r.generation.completion_tokens;
        if (usage)
          write(sse({{"id", id}, {"object", "chat.completion.chunk"}, {"created", now_s()}, {"model", name},
                     {"choices", Json::array()}, {"usage", usage_json(rs.front().generation.prompt_tokens, completion)}}));
      });
      return;
    }
    auto rs = choices(n, [&](int64_t i) { return serving.chat(seeded(i), nullptr); });
    Json cs = Json::array();
    int64_t completion = 0;
    for (size_t i = 0; i < rs.size(); ++i) {
      cs.push_back({{"index", i}, {"message", chat_message(rs[i])},
                    {"logprobs", logprobs ? chat_logprobs(rs[i].generation.logprobs) : Json(nullptr)},
                    {"finish_reason", finish_of(rs[i])}});
      completion += rs[i].generation.completion_tokens;
    }
    reply_json(res, 200, {{"id", id}, {"object", "chat.completion"}, {"created", now_s()}, {"model", name},
                          {"choices", cs}, {"usage", usage_json(rs.front().generation.prompt_tokens, completion)}});
  }

  void load_lora(const Json& body, httplib::Response& res) {
    LLMCP_CHECK(opt.adapter_path, kPermissionDenied,
                "loading adapters at run time is off; start the server with --allow-runtime-lora");
    LLMCP_CHECK(body.contains("lora_name") && body["lora_name"].is_string() && body.contains("lora_path") &&
                    body["lora_path"].is_string(),
                kInvalidArgument, "send {\"lora_name\": NAME, \"lora_path\": FOLDER}");
    const std::string name = body["lora_name"];
    LLMCP_CHECK(!name.empty(), kInvalidArgument, "'lora_name' must not be empty");
    const std::string folder = opt.adapter_path(body["lora_path"]);
    serving.load_adapter(served.base_for(name, body, folder), folder, name);
    res.status = 200;
    res.set_content("Success: LoRA adapter '" + name + "' added successfully.", "text/plain");
  }

  void unload_lora(const Json& body, httplib::Response& res) {
    LLMCP_CHECK(opt.adapter_path, kPermissionDenied,
                "unloading adapters at run time is off; start the server with --allow-runtime-lora");
    LLMCP_CHECK(body.contains("lora_name") && body["lora_name"].is_string(), kInvalidArgument,
                "send {\"lora_name\": NAME}");
    const std::string name = body["lora_name"];
    serving.unload_adapter(name);
    res.status = 200;
    res.set_content("Success: LoRA adapter '" + name + "' removed successfully.", "text/plain");
  }
};

int connection_threads(int64_t max_running) {
  return static_cast<int>(std::clamp<int64_t>(4 * max_running, 64, 1024));
}

OpenAiApi::OpenAiApi(engine::Serving& serving, ApiOptions options) {
  if (!options.model_dir.empty() && options.served_name.empty()) options.served_name = options.model_dir;
  impl_ = std::make_unique<Impl>(serving, std::move(options));
}

OpenAiApi::~OpenAiApi() = default;

void OpenAiApi::mount(httplib::Server& http, const Admit& admit) {
  auto* im = impl_.get();
  using Handler = std::function<void(const Json&, httplib::Response&)>;
  auto post = [&http, im, admit](const std::string& path, const Handler& h) {
    http.Post(path, [im, admit, h](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
      std::string body;
      if (!mcp::read_body(req, reader, im->opt.max_body_bytes, body, res)) return;
      if (!admit(req, res)) return;
      try {
        Json j;
        try {
          j = Json::parse(body);
        } catch (const Json::exception& e) {
          LLMCP_FAIL(kInvalidArgument, "the request body is not valid JSON: ", e.what());
        }
        LLMCP_CHECK(j.is_object(), kInvalidArgument, "the request body must be a JSON object, got ", j.type_name());
        h(j, res);
      } catch (const std::exception& e) {
        reply_error(res, e);
      }
    });
  };
  post("/v1/completions", [im](const Json& b, httplib::Response& r) { im->completions(b, r); });
  post("/v1/chat/completions", [im](const Json& b, httplib::Response& r) { im->chat(b, r); });
  post("/v1/load_lora_adapter", [im](const Json& b, httplib::Response& r) { im->load_lora(b, r); });
  post("/v1/unload_lora_adapter", [im](const Json& b, httplib::Response& r) { im->unload_lora(b, r); });
  http.Get("/v1/models", [im, admit](const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    try {
      reply_json(res, 200, im->served.list());
    } catch (const std::exception& e) {
      reply_error(res, e);
    }
  });
  http.Get("/health", [admit](const httplib::Request& req, httplib::Response& res) {
    if (admit(req, res)) res.status = 200;
  });
  http.Get("/metrics", [im, admit](const httplib::Request& req, httplib::Response& res) {
    if (admit(req, res)) res.set_content(prometheus_text(im->serving.metrics()), "text/plain; version=0.0.4");
  });
}

}  // namespace llmcp::api
