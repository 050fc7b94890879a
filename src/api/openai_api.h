// The OpenAI-compatible HTTP API over engine::Serving, with vLLM's conventions so existing
// clients work: GET /v1/models (the base and each loaded adapter, adapters with the base as
// `parent`), POST /v1/completions and /v1/chat/completions (streamed as SSE `data:` chunks on
// request), POST /v1/load_lora_adapter and /v1/unload_lora_adapter, GET /health, GET /metrics
// (Prometheus text). Errors are OpenAI's error object. Torch-free; the routes are mounted on an
// httplib server that `llm-mcp serve --http` shares with MCP, or `llm-mcp serve-openai` owns.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/serving.h"

namespace httplib {
class Server;
class Request;
class Response;
}  // namespace httplib

namespace llmcp::api {

struct ApiOptions {
  // One base model (serve-openai, serve --http --model): its folder, and its id in `model` (vLLM's
  // --served-model-name; default: the folder as given). Empty: the workspace's models, below.
  std::string model_dir;
  std::string served_name;
  // Without model_dir: a request's `model` (a model's name in the workspace, a folder, a Hub id in
  // the cache) -> its folder, throwing core::Error when it is not there or not allowed; and the
  // models GET /v1/models lists, {id, folder}.
  std::function<std::string(const std::string&)> model_path;
  std::function<std::vector<std::pair<std::string, std::string>>()> list_models;
  // A client's lora_path for /v1/load_lora_adapter -> the folder to load; throws core::Error when
  // it is not allowed. Empty: runtime loading is off (as vLLM without
  // VLLM_ALLOW_RUNTIME_LORA_UPDATING), and those endpoints say how to turn it on.
  std::function<std::string(const std::string&)> adapter_path;
  size_t max_body_bytes = 4 << 20;
};

// Admission shared with the MCP endpoint: Host/Origin and the bearer token. False: `res` holds
// the refusal.
using Admit = std::function<bool(const httplib::Request&, httplib::Response&)>;

// Threads the HTTP server should have: an answer holds its connection's thread until it ends,
// running or waiting in the engine's queue, so well beyond the running batch (httplib's default
// pool, 8 threads on a small machine, would cap concurrent requests at 8).
int connection_threads(int64_t max_running);

class OpenAiApi {
 public:
  OpenAiApi(engine::Serving& serving, ApiOptions options);
  ~OpenAiApi();
  void mount(httplib::Server& http, const Admit& admit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmcp::api
