// The workspace as resources: the support matrix, each job (record, metrics.jsonl, training log)
// and each adapter's adapter_config.json. Jobs' resources are announced as updated when the job
// changes, for clients that subscribed.
#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/workspace.h"
#include "engine/engine.h"
#include "mcp/tools/job_view.h"

namespace llmcp::mcp {
namespace fs = std::filesystem;
namespace {

std::string tail_of(const fs::path& p, size_t max_bytes) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(in.tellg());
  const size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string s(size - start, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

std::vector<std::string> matching(const std::vector<std::string>& all, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& s : all)
    if (s.rfind(prefix, 0) == 0) out.push_back(s);
  return out;
}

std::vector<std::string> job_ids(ToolContext& ctx) {
  std::vector<std::string> ids;
  for (const auto& j : ctx.jobs.list()) ids.push_back(j.id);
  return ids;
}

std::vector<std::string> adapter_names(ToolContext& ctx) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(ctx.workspace.adapters_dir(), ec))
    if (core::valid_name(e.path().filename().string()) && ctx.listable(e.path()) &&
        fs::exists(e.path() / "adapter_config.json"))
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Json text_contents(const std::string& uri, const std::string& mime, const std::string& text) {
  return Json::array({{{"uri", uri}, {"mimeType", mime}, {"text", text}}});
}

// The record a job's resource shows: what get_job reports, with the resolved config and the
// checkpoint folders (newest last), which the dashboard's job page shows.
Json job_record_json(const JobRecord& job, const JobProgress& progress) {
  Json j = job_json(job, progress);
  j["config"] = job.config;
  j["checkpoints"] = Json::array();
  for (const auto& [step, dir] : list_checkpoints(job.output_dir))
    j["checkpoints"].push_back({{"step", step}, {"folder", dir.filename().string()}});
  return j;
}

// One template per job file: `suffix` "" (the record), "/metrics" or "/log".
ResourceTemplate job_template(ToolContext& ctx, const std::string& suffix, const std::string& mime,
                              const std::string& description) {
  ResourceTemplate t;
  t.uri_template = "llmcp://jobs/{id}" + suffix;
  t.name = "job" + (suffix.empty() ? std::string() : "-" + suffix.substr(1));
  t.description = description;
  t.mime_type = mime;
  t.instances = [&ctx, suffix, mime, t]() {
    std::vector<Resource> out;
    for (const auto& job : ctx.jobs.list())
      out.push_back({"llmcp://jobs/" + job.id + suffix, job.id + suffix, "", t.description, mime});
    return out;
  };
  t.read = [&ctx, suffix, mime](const std::string& uri, const UriVars& vars, CallContext&) -> std::optional<Json> {
    JobRecord job;
    try {
      job = ctx.jobs.get(vars.at("id"));
    } catch (const core::Error&) {
      return std::nullopt;
    }
    if (suffix.empty()) return text_contents(uri, mime, job_record_json(job, ctx.jobs.progress(job.id)).dump(2));
    if (suffix == "/metrics") return text_contents(uri, mime, tail_of(fs::path(job.output_dir) / "metrics.jsonl", 8 << 20));
    return text_contents(uri, mime, tail_of(fs::path(job.job_dir) / "train.log", 64 << 10));
  };
  t.complete = [&ctx](const std::string& arg, const std::string& prefix) {
    return arg == "id" ? matching(job_ids(ctx), prefix) : std::vector<std::string>{};
  };
  return t;
}

}  // namespace

void add_workspace_resources(ToolContext& ctx) {
  auto& reg = ctx.server.registry();
  reg.add_resource({"llmcp://models/supported", "supported-models", "Supported models and methods",
                    "Which model families (Llama-2/3, CodeLlama, Mistral, Mixtral, Falcon) support which fine-tuning "
                    "method, with each family's default LoRA target modules",
                    "application/json"},
                   [](CallContext&) {
                     return text_contents("llmcp://models/supported", "application/json", engine::support_matrix().dump(2));
                   });
  reg.add_template(job_template(ctx, "", "application/json", "A training job: status, progress, result"));
  reg.add_template(job_template(ctx, "/metrics", "application/jsonl", "A training job's metrics.jsonl (one record per logged step)"));
  reg.add_template(job_template(ctx, "/log", "text/plain", "The end of a training job's log (stdout and stderr)"));
  ResourceTemplate a;
  a.uri_template = "llmcp://adapters/{name}/config";
  a.name = "adapter-config";
  a.description = "An adapter's adapter_config.json (PEFT's format)";
  a.mime_type = "application/json";
  a.instances = [&ctx]() {
    std::vector<Resource> out;
    for (const auto& n : adapter_names(ctx))
      out.push_back({"llmcp://adapters/" + n + "/config", n + "-config", "", "adapter_config.json of " + n, "application/json"});
    return out;
  };
  a.read = [&ctx](const std::string& uri, const UriVars& vars, CallContext&) -> std::optional<Json> {
    const auto& name = vars.at("name");
    if (!core::valid_name(name) || !ctx.listable(ctx.workspace.adapters_dir() / name)) return std::nullopt;
    const fs::path p = ctx.workspace.resolve((ctx.workspace.adapters_dir() / name / "adapter_config.json").string(),
                                             core::Access::kRead);
    if (!fs::exists(p)) return std::nullopt;
    return text_contents(uri, "application/json", core::read_file(p));
  };
  a.complete = [&ctx](const std::string& arg, const std::string& prefix) {
    return arg == "name" ? matching(adapter_names(ctx), prefix) : std::vector<std::string>{};
  };
  reg.add_template(std::move(a));
}

}  // namespace llmcp::mcp
