// `llm-mcp serve`: the MCP server, on stdio (the default, for assistants' configs) or Streamable
// HTTP (--http). In stdio mode stdout carries protocol messages only: the process's own stdout is
// pointed at stderr, so nothing else can reach the client.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/flag_checks.h"
#include "cli/serve_openai.h"
#include "core/error.h"
#include "core/workspace.h"
#include "mcp/app.h"
#include "mcp/http_transport.h"
#include "mcp/stdio_transport.h"
#include "web/dashboard.h"

namespace llmcp::cli {
namespace {

struct ServeArgs {
  bool http = false;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
  std::vector<std::string> allowed_hosts;
  std::string home;
  std::vector<std::string> allow_paths;
  size_t max_jobs = 1;
  double cache_gb = 8;
  int64_t max_loras = 0;
  std::string device = "auto";
  size_t page_size = 100;
  double max_body_mb = 4;
  bool fixtures = false;
  OpenAiServing openai;  // the OpenAI API on the same port: --model's, or the workspace's models
};

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

void serve(const ServeArgs& a) {
  ::signal(SIGPIPE, SIG_IGN);  // a client that disconnects is an error on write, not a kill
  mcp::AppOptions o;
  o.home = a.home.empty() ? core::Workspace::default_home() : std::filesystem::path(a.home);
  for (const auto& p : a.allow_paths) o.allow_paths.emplace_back(p);
  o.builtin_dir = LLMCP_EXAMPLES_DIR;
  o.executable = std::filesystem::read_symlink("/proc/self/exe");
  o.max_jobs = a.max_jobs;
  o.cache_bytes = static_cast<int64_t>(a.cache_gb * (1 << 30));
  o.max_loaded_adapters = a.max_loras;
  o.device = a.device;
  o.page_size = a.page_size;
  o.conformance_fixtures = a.fixtures;
  if (!a.http) {
    const int protocol_fd = ::dup(1);
    ::dup2(2, 1);  // stray writes to stdout land on stderr
    mcp::App app(o);
    mcp::run_stdio(app.server(), {0, protocol_fd, 8 << 20});
    return;
  }
  std::string token = a.token;
  if (token.empty())
    if (const char* t = std::getenv("LLMCP_TOKEN")) token = t;
  LLMCP_CHECK(loopback(a.host) || !token.empty(), kInvalidArgument, "listening on ", a.host,
              " exposes the server beyond this machine; give it a bearer token (--token or LLMCP_TOKEN)");
  mcp::App app(o);
  mcp::HttpOptions h;
  h.host = a.host;
  h.port = a.port;
  h.token = token;
  h.allowed_hosts = a.allowed_hosts;
  h.max_body_bytes = static_cast<size_t>(a.max_body_mb * (1 << 20));
  h.on_listening = [](int port) { std::cerr << "llm-mcp: serving MCP on port " << port << std::endl; };
  auto oa = a.openai;
  oa.max_body_bytes = h.max_body_bytes;
  oa.model_path = [&app](const std::string& ref) { return app.model_path(ref); };
  oa.list_models = [&app] { return app.models(); };
  auto openai = make_openai_api(app.serving(), oa, [&app](const std::string& p) { return app.adapter_path(p); });
  h.threads = std::max(h.threads, api::connection_threads(engine::ServingOptions{}.max_running));
  web::Dashboard dashboard(app.server(), h.max_body_bytes);
  h.mount = [&openai, &dashboard](httplib::Server& http, const mcp::AccessPolicy& policy) {
    // /v1 and /metrics take the dashboard's login cookie as well as the bearer header, so that
    // its playground and serving panel reach them; Host and Origin are checked either way.
    const auto bearer = openai_admit(policy);
    auto open = policy;
    open.token.clear();
    const auto with_cookie = openai_admit(open);
    openai->mount(http, [bearer, with_cookie, token = policy.token](const httplib::Request& req, httplib::Response& res) {
      return web::request_has_token(req, token) ? with_cookie(req, res) : bearer(req, res);
    });
    dashboard.mount(http, policy);
  };
  mcp::HttpTransport transport(app.server(), h);
  transport.run();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "Run the MCP server (stdio by default; --http for Streamable HTTP)");
  cmd->add_flag("--http", a->http, "Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio");
  cmd->add_option("--host", a->host, "HTTP address to bind (a non-local one needs --token)")->capture_default_str();
  cmd->add_option("--port", a->port, "HTTP port (0: any free port, printed on stderr)")
      ->check(at_least(0, 65535))
      ->capture_default_str();
  cmd->add_option("--token", a->token, "HTTP bearer token clients must send (or env LLMCP_TOKEN)");
  cmd->add_option("--allowed-host", a->allowed_hosts, "Host/Origin names accepted besides localhost (repeatable)");
  cmd->add_option("--home", a->home, "Workspace folder (default: $LLMCP_HOME or ~/.local/share/llm-mcp)");
  cmd->add_option("--allow-path", a->allow_paths, "Another folder clients may read and write (repeatable)");
  cmd->add_option("--max-jobs", a->max_jobs, "Training jobs running at once; more wait in a queue")
      ->check(at_least(1, 1024))
      ->capture_default_str();
  cmd->add_option("--device", a->device, "cpu | cuda | cuda:N | auto: where models load (auto: the first GPU if any)")
      ->capture_default_str()
      ->check(device_name());
  cmd->add_option("--cache-gb", a->cache_gb, "Memory (GiB) for models kept loaded (least recently used evicted)")
      ->check(amount_above_zero("GiB", 1 << 20))
      ->capture_default_str();
  cmd->add_option("--max-loras", a->max_loras,
                  "Adapters loaded at once per model (0: no limit); the least recently used idle one is unloaded "
                  "for another and read back from its folder when asked for")
      ->check(at_least(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--page-size", a->page_size, "Items per page of the list methods")
      ->check(at_least(1, 100000))
      ->capture_default_str();
  cmd->add_option("--max-body-mb", a->max_body_mb, "Largest HTTP request body (MiB); larger ones get 413")
      ->check(amount_above_zero("MiB", 1 << 20))
      ->capture_default_str();
  cmd->add_flag("--conformance-fixtures", a->fixtures,
                "Also register the MCP conformance suite's fixture tools, resources and prompts (testing only)");
  cmd->add_option("--model", a->openai.model,
                  "With --http: the OpenAI API (/v1/...) on the same port serves this one model (default: the "
                  "workspace's models by name)");
  cmd->add_option("--served-model-name", a->openai.served_name, "Its id in OpenAI requests (default: --model)");
  cmd->add_option("--lora", a->openai.loras, "An adapter --model's API serves by name: NAME=PATH (repeatable)");
  cmd->add_flag("--allow-runtime-lora", a->openai.runtime_lora,
                "Accept /v1/load_lora_adapter (adapter folders inside the workspace)");
  cmd->callback([a] {
    LLMCP_CHECK(a->http || a->openai.model.empty(), kInvalidArgument,
                "--model serves the OpenAI API over HTTP: add --http (stdio carries MCP only)");
    LLMCP_CHECK(!a->openai.model.empty() || (a->openai.loras.empty() && a->openai.served_name.empty()),
                kInvalidArgument,
                "--lora and --served-model-name name --model's adapters and id: add --model (without it the API "
                "serves the workspace's models by name; load adapters with the load_adapter tool)");
    LLMCP_CHECK(a->http || !a->openai.runtime_lora, kInvalidArgument,
                "--allow-runtime-lora is for the OpenAI API over HTTP: add --http");
    serve(*a);
  });
}

}  // namespace llmcp::cli
