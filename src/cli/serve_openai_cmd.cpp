// `llm-mcp serve-openai`: only the OpenAI-compatible API (vLLM's routes) for one base model and
// its LoRA adapters, with continuous batching. `serve --http --model M` mounts the same routes
// beside MCP; both build the API through mount_openai_api below.
#include <signal.h>

#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "api/openai_api.h"
#include "cli/commands.h"
#include "cli/flag_checks.h"
#include "cli/model_ref.h"
#include "cli/serve_openai.h"
#include "core/error.h"
#include "mcp/http_guards.h"

namespace llmcp::cli {
namespace {

struct OpenAiArgs {
  std::string model, served_name, host = "127.0.0.1", api_key, device = "auto", dtype = "auto";
  int port = 8000;  // vLLM's
  std::vector<std::string> loras, allowed_hosts;
  bool runtime_lora = false;
  double kv_cache_gb = 0, max_body_mb = 4;
  int64_t max_batch_tokens = 512, max_running = 64, block_size = 16, max_loras = 0;
};

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

void serve_openai(const OpenAiArgs& a) {
  ::signal(SIGPIPE, SIG_IGN);
  std::string key = a.api_key;
  if (key.empty())
    if (const char* k = std::getenv("LLMCP_API_KEY")) key = k;
  LLMCP_CHECK(loopback(a.host) || !key.empty(), kInvalidArgument, "listening on ", a.host,
              " exposes the server beyond this machine; give it an API key (--api-key or LLMCP_API_KEY)");
  engine::ServingOptions so;
  so.device = a.device;
  so.dtype = a.dtype;
  so.kv_cache_bytes = static_cast<int64_t>(a.kv_cache_gb * (1 << 30));
  so.max_batch_tokens = a.max_batch_tokens;
  so.max_running = a.max_running;
  so.block_size = a.block_size;
  so.max_loaded_adapters = a.max_loras;
  engine::Serving serving(so);
  OpenAiServing o;
  o.model = a.model;
  o.served_name = a.served_name;
  o.loras = a.loras;
  o.runtime_lora = a.runtime_lora;
  o.max_body_bytes = static_cast<size_t>(a.max_body_mb * (1 << 20));
  auto api = make_openai_api(serving, o, [](const std::string& p) {
    std::error_code ec;
    auto c = std::filesystem::canonical(p, ec);
    LLMCP_CHECK(!ec, kNotFound, "adapter folder '", p, "' does not exist");
    return c.string();
  });
  httplib::Server http;
  const auto threads = static_cast<size_t>(api::connection_threads(a.max_running));
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  mcp::bind_exclusively(http);
  http.set_payload_max_length(o.max_body_bytes);
  http.set_tcp_nodelay(true);
  const mcp::AccessPolicy policy{a.host, a.allowed_hosts, key};
  api->mount(http, openai_admit(policy));
  int port = a.port;
  if (port == 0) {
    port = http.bind_to_any_port(a.host);
    if (port <= 0) LLMCP_FAIL(kIo, mcp::bind_failure(a.host, 0));
  } else if (!http.bind_to_port(a.host, port)) {
    LLMCP_FAIL(kIo, mcp::bind_failure(a.host, port));
  }
  std::cerr << "llm-mcp: serving the OpenAI API for " << o.served_name << " on port " << port << std::endl;
  http.listen_after_bind();
}

}  // namespace

api::Admit openai_admit(const mcp::AccessPolicy& policy) {
  return [policy](const httplib::Request& req, httplib::Response& res) {
    const auto refused = mcp::refusal(req, policy);
    if (!refused) return true;
    if (refused->status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.status = refused->status;
    res.set_content(nlohmann::json{{"error",
                                    {{"message", refused->message},
                                     {"type", refused->status == 401 ? "authentication_error" : "permission_error"},
                                     {"param", nullptr},
                                     {"code", refused->status}}}}
                        .dump(),
                    "application/json");
    return false;
  };
}

std::unique_ptr<api::OpenAiApi> make_openai_api(engine::Serving& serving, OpenAiServing& o,
                               const std::function<std::string(const std::string&)>& adapter_path) {
  if (o.served_name.empty()) o.served_name = o.model;
  api::ApiOptions opt;
  opt.model_dir = o.model;
  opt.served_name = o.served_name;
  opt.model_path = o.model_path;
  opt.list_models = o.list_models;
  opt.max_body_bytes = o.max_body_bytes;
  if (o.runtime_lora) opt.adapter_path = adapter_path;
  if (o.model.empty()) return std::make_unique<api::OpenAiApi>(serving, opt);  // the workspace's models
  for (const auto& l : o.loras) {
    const auto eq = l.find('=');
    LLMCP_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < l.size(), kInvalidArgument, "--lora takes NAME=PATH, got '",
                l, "'");
    serving.load_adapter(o.model, adapter_path(l.substr(eq + 1)), l.substr(0, eq));
  }
  serving.preload(o.model);  // errors now, not at the first request
  return std::make_unique<api::OpenAiApi>(serving, opt);
}

void add_serve_openai_command(CLI::App& app) {
  auto a = std::make_shared<OpenAiArgs>();
  auto* cmd = app.add_subcommand("serve-openai",
                                 "Serve one model and its LoRA adapters through the OpenAI-compatible API "
                                 "(/v1/completions, /v1/chat/completions, /v1/models; continuous batching)");
  auto model = std::make_shared<ModelOption>(cmd, a->model, "The base model");
  cmd->add_option("--served-model-name", a->served_name, "Its id in requests' `model` (default: --model as given)");
  cmd->add_option("--lora", a->loras, "An adapter served by name: NAME=PATH (repeatable; PEFT LoRA, DoRA or sparse)");
  cmd->add_flag("--allow-runtime-lora", a->runtime_lora,
                "Accept /v1/load_lora_adapter and /v1/unload_lora_adapter (any folder this user can read)");
  cmd->add_option("--host", a->host, "Address to bind (a non-local one needs --api-key)")->capture_default_str();
  cmd->add_option("--port", a->port, "Port (0: any free port, printed on stderr)")->check(at_least(0, 65535))->capture_default_str();
  cmd->add_option("--api-key", a->api_key, "Bearer token clients must send (or env LLMCP_API_KEY)");
  cmd->add_option("--allowed-host", a->allowed_hosts, "Host/Origin names accepted besides localhost (repeatable)");
  cmd->add_option("--device", a->device, "cpu | cuda | cuda:N | auto")->capture_default_str()->check(device_name());
  cmd->add_option("--dtype", a->dtype, "auto | float32 | bfloat16 | float16")->capture_default_str();
  cmd->add_option("--kv-cache-gb", a->kv_cache_gb, "KV cache memory (GiB; default: a share of the free memory)")
      ->check(amount_above_zero("GiB", 1 << 20));
  cmd->add_option("--max-batch-tokens", a->max_batch_tokens, "Tokens one step computes at most")
      ->check(at_least(1, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--max-running", a->max_running, "Requests in the running batch at most")
      ->check(at_least(1, 4096))
      ->capture_default_str();
  cmd->add_option("--max-loras", a->max_loras,
                  "Adapters loaded at once (0: no limit); the least recently used idle one is unloaded for "
                  "another and read back from its folder when asked for")
      ->check(at_least(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--block-size", a->block_size, "Token slots per KV cache block")->check(at_least(1, 1024))->capture_default_str();
  cmd->add_option("--max-body-mb", a->max_body_mb, "Largest request body (MiB); larger ones get 413")
      ->check(amount_above_zero("MiB", 1 << 20))
      ->capture_default_str();
  cmd->callback([a, model] {
    model->resolve();
    serve_openai(*a);
  });
}

}  // namespace llmcp::cli
