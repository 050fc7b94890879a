// Wires the server: workspace, serving cache, supervisor (whose job changes become resource
// notifications), tool groups, resources, prompts and, on request, the conformance fixtures.
#include "mcp/app.h"

#include <mutex>
#include <set>

#include "core/workspace.h"
#include "engine/serving.h"
#include "mcp/conformance_fixtures.h"
#include "mcp/jobs/supervisor.h"
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {

namespace {
const char* kInstructions =
    "llm-mcp fine-tunes and serves open LLMs (Llama, CodeLlama, Mistral, Mixtral, Falcon) on this machine. "
    "Typical flow: list_models -> validate_dataset -> start_training (returns a job id) -> get_job (wait_seconds "
    "to follow it; shows the loss curve) -> evaluate / chat with the adapter. Paths are relative to the server's "
    "workspace; the built-in demo-base model and the tool_calls_*.jsonl datasets work out of the box.";

engine::ServingOptions serving_options(const AppOptions& o) {
  engine::ServingOptions s;
  s.memory_budget_bytes = o.cache_bytes;
  s.device = o.device;
  s.max_loaded_adapters = o.max_loaded_adapters;
  return s;
}
}

struct App::Impl {
  std::mutex mu;
  std::set<std::string> known_jobs;  // to announce new jobs' resources
  Server server;
  core::Workspace workspace;
  engine::Serving serving;
  std::unique_ptr<Supervisor> jobs;  // after server: its listener notifies through it
  std::unique_ptr<ToolContext> ctx;

  explicit Impl(const AppOptions& o)
      : server(ServerOptions{"llm-mcp", "0.1.0", kInstructions, o.page_size, std::chrono::milliseconds(120000)}),
        workspace(o.home, o.allow_paths, o.builtin_dir.empty() ? std::vector<std::filesystem::path>{}
                                                                : std::vector<std::filesystem::path>{o.builtin_dir}),
        serving(serving_options(o)) {
    jobs = std::make_unique<Supervisor>(
        SupervisorOptions{workspace.jobs_dir(), o.executable, std::max<size_t>(1, o.max_jobs),
                          std::chrono::milliseconds(250), workspace.write_roots()},
        [this](const JobRecord& job) {
          bool is_new;
          {
            std::lock_guard lock(mu);
            is_new = known_jobs.insert(job.id).second;
          }
          if (is_new) server.list_changed("resources");  // three more resources per job
          server.resource_updated("llmcp://jobs/" + job.id);
          server.resource_updated("llmcp://jobs/" + job.id + "/metrics");
        });
    for (const auto& job : jobs->list()) {
      std::lock_guard lock(mu);
      known_jobs.insert(job.id);
    }
    ctx = std::make_unique<ToolContext>(ToolContext{server, workspace, serving, *jobs});
    add_model_tools(*ctx);
    add_planning_tools(*ctx);
    add_data_tools(*ctx);
    add_training_tools(*ctx);
    add_adapter_tools(*ctx);
    add_inference_tools(*ctx);
    add_workspace_resources(*ctx);
    add_prompts(*ctx);
    if (o.conformance_fixtures) add_conformance_fixtures(server);
  }
  ~Impl() { server.shutdown(); }  // tasks still running use the members below the server
};

App::App(const AppOptions& options) : impl_(std::make_unique<Impl>(options)) {}
App::~App() = default;
Server& App::server() { return impl_->server; }
engine::Serving& App::serving() { return impl_->serving; }
std::string App::adapter_path(const std::string& ref) const { return impl_->ctx->adapter_path(ref); }
std::string App::model_path(const std::string& ref) const { return impl_->ctx->model_path(ref); }
std::vector<std::pair<std::string, std::string>> App::models() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : impl_->ctx->models()) out.emplace_back(m.name, m.folder.string());
  return out;
}

}  // namespace llmcp::mcp
