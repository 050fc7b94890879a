// Job views; see job_view.h.
#include "mcp/tools/job_view.h"

#include <cmath>
#include <ctime>
#include <sstream>

#include "mcp/base64.h"
#include "mcp/jobs/loss_plot.h"

namespace llmcp::mcp {
namespace {

Json iso_time(double unix_seconds) {
  if (unix_seconds <= 0) return nullptr;
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Json job_json(const JobRecord& job, const JobProgress& p) {
  Json j{{"job_id", job.id},
         {"name", job.name},
         {"status", job_status_name(job.status)},
         {"output_dir", job.output_dir},
         {"created_at", iso_time(job.created_at)},
         {"started_at", iso_time(job.started_at)},
         {"finished_at", iso_time(job.finished_at)},
         {"last_checkpoint", p.last_checkpoint.empty() ? Json() : Json(p.last_checkpoint)},
         {"method", job.config.is_object() ? job.config.value("method", "lora") : "lora"},
         {"model", job.config.is_object() ? job.config.value("model", "") : ""},
         {"processes", job.processes}};
  const Json& m = p.last;
  auto metric = [&](const char* key) { return m.is_object() && m.contains(key) ? m[key] : Json(); };
  j["step"] = m.is_object() ? m.value("step", int64_t{0}) : int64_t{0};
  j["total_steps"] = metric("total_steps");
  j["epoch"] = metric("epoch");
  j["loss"] = metric("loss");
  j["lr"] = metric("lr");
  j["tokens_per_second"] = metric("tokens_per_second");
  j["eta_seconds"] = job.status == JobStatus::kRunning ? metric("eta_seconds") : Json();
  j["peak_memory_bytes"] = metric("peak_memory_bytes");
  j["peak_gpu_allocated_bytes"] = metric("peak_gpu_allocated_bytes");  // null on a CPU run
  j["peak_gpu_reserved_bytes"] = metric("peak_gpu_reserved_bytes");
  j["eval_loss"] = p.eval_loss.empty() ? Json() : Json(p.eval_loss.back().second);
  j["error"] = job.error.empty() ? Json() : Json(job.error);
  j["result"] = job.result;
  j["resumable"] = job.status == JobStatus::kInterrupted || job.status == JobStatus::kCancelled ||
                   job.status == JobStatus::kFailed;
  if (job.status == JobStatus::kCompleted) j["adapter"] = job.output_dir;
  return j;
}

Json job_output_schema() {
  auto nullable = [](const char* type, const char* d) { return Json{{"type", {type, "null"}}, {"description", d}}; };
  return schema::open_object(
      {{"job_id", schema::string("pass to get_job, cancel_job, resume_job")},
       {"name", schema::string("the run's name (its adapter's name)")},
       {"status", schema::enumeration({"queued", "running", "completed", "failed", "cancelled", "interrupted"},
                                      "interrupted: the process died; resume_job continues it")},
       {"step", schema::integer("optimizer steps done")},
       {"processes", schema::integer("data-parallel processes the job runs (one job, supervised together)")},
       {"total_steps", nullable("integer", "steps the run will take")},
       {"loss", nullable("number", "latest training loss")},
       {"lr", nullable("number", "latest learning rate")},
       {"tokens_per_second", nullable("number", "latest step's throughput")},
       {"eta_seconds", nullable("number", "estimated time left")},
       {"peak_memory_bytes", nullable("integer", "peak resident memory of the training process")},
       {"peak_gpu_allocated_bytes",
        nullable("integer", "on a GPU: the CUDA caching allocator's peak of allocated bytes (null on a CPU)")},
       {"peak_gpu_reserved_bytes",
        nullable("integer", "on a GPU: the CUDA caching allocator's peak of reserved bytes (null on a CPU)")},
       {"last_checkpoint", nullable("string", "newest complete checkpoint folder")},
       {"output_dir", schema::string("where the adapter (and checkpoints, metrics.jsonl) go")},
       {"error", nullable("string", "why it failed or stopped")}},
      {"job_id", "name", "status", "step", "output_dir"});
}

JobRecord follow_job(ToolContext& ctx, const std::string& id, CallContext& call, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, seconds) * 1000));
  return ctx.jobs.wait(id, call.cancel_flag(), deadline, [&](const JobRecord& job, const JobProgress& p) {
    if (!p.last.is_object()) return;
    const auto step = p.last.value("step", int64_t{0});
    const auto total = p.last.value("total_steps", int64_t{0});
    char msg[160];
    std::snprintf(msg, sizeof msg, "%s: step %lld/%lld, loss %.4f", job.id.c_str(), static_cast<long long>(step),
                  static_cast<long long>(total), p.last.value("loss", 0.0));
    call.progress(static_cast<double>(step), total > 0 ? std::optional<double>(static_cast<double>(total)) : std::nullopt,
                  msg);
    call.status(msg);
  });
}

ToolResult job_result(ToolContext& ctx, const JobRecord& job) {
  const auto p = ctx.jobs.progress(job.id);
  ToolResult r;
  r.structured = job_json(job, p);
  const auto& s = r.structured;
  std::ostringstream text;  // (not string concatenation: GCC 12's -Wrestrict misfires on it here)
  text << job.id << " (" << job.name << "): " << s["status"].get<std::string>();
  if (s["total_steps"].is_number()) text << ", step " << s["step"] << "/" << s["total_steps"];
  if (s["loss"].is_number()) text << ", loss " << s["loss"].get<double>();
  if (!job.error.empty()) text << "\n" << job.error;
  text << "\n" << s.dump(2);
  r.text = text.str();
  if (!p.loss.empty())
    r.content.push_back({{"type", "image"}, {"mimeType", "image/png"}, {"data", base64_encode(plot_loss_png(p.loss, p.eval_loss))}});
  return r;
}

}  // namespace llmcp::mcp
