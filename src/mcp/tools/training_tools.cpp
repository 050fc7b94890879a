// Training tools: start_training (a supervised child process; returns the job at once, or as a
// task that ends with the run), get_job (with the loss curve as a PNG, optionally waiting),
// list_jobs, cancel_job (checkpoint, then stop), resume_job (from the last checkpoint).
#include <cctype>
#include <filesystem>

#include "core/error.h"
#include "core/workspace.h"
#include "engine/training.h"
#include "mcp/tools/job_view.h"

namespace llmcp::mcp {
namespace fs = std::filesystem;
namespace {

// Without a name, a run is named after its model, method and job id, unique in the workspace.
std::string default_name_prefix(const Json& config) {
  std::string model = fs::path(config.value("model", "model")).filename().string().substr(0, 64);
  for (char& ch : model)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_') ch = '-';
  if (model.empty() || model[0] == '.') model = "model" + model;
  const std::string method =
      config.contains("method") && config["method"].is_string() ? config["method"].get<std::string>() : "lora";
  return model + "-" + (core::valid_name(method) ? method.substr(0, 16) : "run");
}

// The user's config with every path resolved inside the workspace. The output folder: output_dir
// (confined for writing), else adapters/<name>; without a name it is chosen once the job id is
// known (Submission::name_after_job).
struct Submission {
  Json config;
  std::string name;
  bool name_after_job = false;
};

// The config argument's schema, from the key table: every key with its type, range, choices and
// help (an object), or YAML text (a string). Unknown keys are left to the config's own check,
// whose error names the nearest known key.
Json config_schema() {
  Json props = Json::object();
  for (const auto& k : engine::train_config_keys()) {
    Json p{{"description", k.help + " (methods: " + k.methods + ")"}};
    if (k.type == "int") p["type"] = "integer";
    if (k.type == "number") p["type"] = "number";
    if (k.type == "bool") p["type"] = "boolean";
    if (k.type == "string") p["type"] = "string";
    if (k.type == "list") p["type"] = "array";
    if (k.min) p[k.min_exclusive ? "exclusiveMinimum" : "minimum"] = *k.min;
    if (k.max) p[k.max_exclusive ? "exclusiveMaximum" : "maximum"] = *k.max;
    if (!k.choices.empty()) p["enum"] = k.choices;
    props[k.name] = p;
  }
  return {{"type", {"object", "string"}}, {"properties", props},
          {"description", "training config: a JSON object (the keys below; `llm-mcp train --help` lists them) or YAML text"}};
}

Submission prepare_config(ToolContext& ctx, const Json& args) {
  engine::TrainRequest req;
  if (args.contains("config_path")) req.config_path = ctx.workspace.resolve(args["config_path"], core::Access::kRead).string();
  if (args.contains("config")) {
    const Json& c = args["config"];
    req.config = c.is_string() ? engine::parse_train_config_text(c.get<std::string>(), "config") : c;
  }
  Json config = engine::merged_train_config(req);
  LLMCP_CHECK(config.contains("model") && config["model"].is_string(), kInvalidArgument,
              "the config needs \"model\" (a name from list_models, e.g. demo-base, or a folder)");
  LLMCP_CHECK(config.contains("dataset") && config["dataset"].is_string(), kInvalidArgument,
              "the config needs \"dataset\" (a JSONL file; validate_dataset checks it first)");
  config["model"] = ctx.model_path(config["model"]);
  // The files a run reads must be there now, not only when its child starts: the call fails
  // with the name to fix instead of returning a job that fails at once.
  auto existing_file = [](const std::string& path, const char* key, const char* hint) {
    std::error_code ec;
    LLMCP_CHECK(fs::is_regular_file(path, ec), kNotFound, key, " '", path, "' is not a file", hint);
    return path;
  };
  const char* data_hint = " (a JSONL file in the workspace's datasets/, a built-in one such as tool_calls_train.jsonl, or a path)";
  config["dataset"] = existing_file(ctx.dataset_path(config["dataset"]), "dataset", data_hint);
  if (config.contains("eval_dataset") && config["eval_dataset"].is_string() && !config["eval_dataset"].get<std::string>().empty())
    config["eval_dataset"] = existing_file(ctx.dataset_path(config["eval_dataset"]), "eval_dataset", data_hint);
  if (config.contains("chat_template") && config["chat_template"].is_string() &&
      config["chat_template"].get<std::string>().find('/') != std::string::npos)
    config["chat_template"] = existing_file(ctx.workspace.resolve(config["chat_template"], core::Access::kRead).string(),
                                            "chat_template", " (a .jinja file, or a template name without '/')");
  Submission s;
  if (args.contains("name")) {
    s.name = args["name"].get<std::string>();
    core::check_name(s.name, "name");
  }
  if (config.contains("output_dir") && config["output_dir"].is_string()) {
    const fs::path out = ctx.workspace.resolve(config["output_dir"], core::Access::kWrite);
    std::error_code ec;
    LLMCP_CHECK(!fs::exists(out, ec) || fs::is_empty(out, ec), kInvalidArgument, "the output folder ", out.string(),
                " already exists; pick another output_dir (or name), or resume_job the job that wrote it");
    config["output_dir"] = out.string();
    if (s.name.empty()) s.name = out.filename().string();
  } else if (!s.name.empty()) {
    config["output_dir"] = ctx.workspace.output_path(s.name, ctx.workspace.adapters_dir(), "name").string();
  } else {
    s.name_after_job = true;
    config["output_dir"] = (ctx.workspace.adapters_dir() / "pending").string();  // for validation only
  }
  req = {};
  req.config = config;
  engine::resolve_train_config(req);  // every key checked now, not in the child
  if (s.name_after_job) config.erase("output_dir");
  s.config = std::move(config);
  return s;
}

Tool start_training_tool(ToolContext& ctx) {
  Tool t;
  t.name = "start_training";
  t.title = "Start a fine-tuning job";
  t.description =
      "Starts fine-tuning (LoRA, QLoRA, DoRA, sparse or full) as a background job and returns its job_id at once; "
      "follow it with get_job. The config uses the README's keys (model, dataset, method, lora_rank, lora_alpha, "
      "target_modules, learning_rate, epochs or max_steps, batch_size, seq_len, ...), as a JSON object or YAML "
      "text, or config_path names a YAML file. model and dataset may be names from list_models / the built-in "
      "datasets. The adapter goes to the workspace's adapters/<name>/ (or output_dir) in PEFT's format. As a task, "
      "the call lasts until the run ends and reports progress. Example config: {\"model\": \"demo-base\", "
      "\"dataset\": \"tool_calls_train.jsonl\", \"max_steps\": 100, \"learning_rate\": 0.002}.";
  t.input_schema = schema::object(
      {{"config", config_schema()},
       {"config_path", schema::string("a YAML/JSON config file (its keys, then `config`'s, apply)")},
       {"name", schema::string("the run's name (letters, digits, . _ -): its adapter lands in adapters/<name>/ (default: "
                               "<model>-<method>-<job id>)")},
       {"processes", schema::integer("data-parallel processes on this machine (default 1); each takes batch_size per "
                                     "step, so the global batch is batch_size x gradient_accumulation_steps x processes",
                                     1, 64)}});
  t.output_schema = job_output_schema();
  t.task_support = TaskSupport::kOptional;
  t.handler = [&ctx](const Json& args, CallContext& call) {
    LLMCP_CHECK(args.contains("config") || args.contains("config_path"), kInvalidArgument,
                "give the training config as `config` (object or YAML text) or `config_path`");
    auto sub = prepare_config(ctx, args);
    const int64_t processes = args.value("processes", int64_t{1});
    auto job = ctx.jobs.submit(sub.config, sub.name, [&](JobRecord& j) {
      j.processes = processes;
      if (!sub.name_after_job) return;
      j.name = default_name_prefix(sub.config) + "-" + j.id;
      j.output_dir = ctx.workspace.output_path(j.name, ctx.workspace.adapters_dir(), "name").string();
      j.config["output_dir"] = j.output_dir;
    });
    // A task lasts as long as the run; tasks/cancel stops the run after a checkpoint (a server
    // shutting down leaves it running, to be adopted on restart).
    if (call.task_id()) {
      job = follow_job(ctx, job.id, call, 1e9);
      if (!job_finished(job.status) && call.cancelled() && !call.shutting_down()) {
        ctx.jobs.cancel(job.id);
        job = ctx.jobs.wait(job.id, nullptr, std::chrono::steady_clock::now() + std::chrono::minutes(10), {});
      }
    }
    return job_result(ctx, job);
  };
  return t;
}

Tool get_job_tool(ToolContext& ctx) {
  Tool t;
  t.name = "get_job";
  t.title = "Training job status";
  t.description =
      "Reports a training job: status (queued, running, completed, failed, cancelled, interrupted), step of "
      "total, latest loss, learning rate, tokens/s, ETA, peak memory, the newest checkpoint and any error, with "
      "the loss curve as a PNG image. wait_seconds > 0 waits (sending progress notifications) until the job ends "
      "or that time passes, so polling can be slow and cheap.";
  t.input_schema = schema::object({{"job_id", schema::string("from start_training or list_jobs")},
                                   {"wait_seconds", schema::number("wait up to this long for the job to end (0-600)", 0.0, 600.0)}},
                                  {"job_id"});
  t.output_schema = job_output_schema();
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json& args, CallContext& call) {
    const std::string id = args["job_id"];
    auto job = ctx.jobs.get(id);
    const double wait = args.value("wait_seconds", 0.0);
    if (wait > 0 && !job_finished(job.status)) job = follow_job(ctx, id, call, wait);
    return job_result(ctx, job);
  };
  return t;
}

Tool list_jobs_tool(ToolContext& ctx) {
  Tool t;
  t.name = "list_jobs";
  t.title = "List training jobs";
  t.description =
      "Lists this workspace's training jobs, oldest first, with status, step, loss and output folder; jobs "
      "survive server restarts. Filter by status if given.";
  t.input_schema = schema::object({{"status", schema::enumeration({"queued", "running", "completed", "failed",
                                                                   "cancelled", "interrupted"},
                                                                  "only jobs with this status")}});
  t.output_schema = schema::open_object({{"jobs", schema::array(job_output_schema(), "the jobs")}}, {"jobs"});
  t.annotations = {{"readOnlyHint", true}};
  t.handler = [&ctx](const Json& args, CallContext&) {
    Json jobs = Json::array();
    std::string text;
    for (const auto& job : ctx.jobs.list()) {
      if (args.contains("status") && args["status"] != job_status_name(job.status)) continue;
      auto j = job_json(job, ctx.jobs.progress(job.id));
      text += job.id + "  " + j["status"].get<std::string>() + "  " + job.name + "\n";
      jobs.push_back(std::move(j));
    }
    ToolResult r;
    r.structured = {{"jobs", jobs}};
    r.text = (text.empty() ? "no jobs\n" : text) + r.structured.dump(2);
    return r;
  };
  return t;
}

Tool cancel_job_tool(ToolContext& ctx) {
  Tool t;
  t.name = "cancel_job";
  t.title = "Cancel a training job";
  t.description =
      "Cancels a queued or running job. A running job finishes its current step, writes a checkpoint and stops "
      "(status cancelled; resume_job continues it later). force: true kills it at once without a checkpoint.";
  t.input_schema = schema::object({{"job_id", schema::string("the job")},
                                   {"force", schema::boolean("kill at once, no final checkpoint")}},
                                  {"job_id"});
  t.output_schema = job_output_schema();
  t.annotations = {{"destructiveHint", true}};
  t.handler = [&ctx](const Json& args, CallContext& call) {
    const std::string id = args["job_id"];
    auto job = ctx.jobs.cancel(id, args.value("force", false));
    job = follow_job(ctx, id, call, 120);  // the checkpoint is written before it stops
    return job_result(ctx, job);
  };
  return t;
}

Tool resume_job_tool(ToolContext& ctx) {
  Tool t;
  t.name = "resume_job";
  t.title = "Resume a training job";
  t.description =
      "Queues an interrupted, cancelled or failed job again; it continues exactly from its newest checkpoint (same "
      "data order, optimizer state and schedule), or starts over when it has none.";
  t.input_schema = schema::object({{"job_id", schema::string("the job")}}, {"job_id"});
  t.output_schema = job_output_schema();
  t.handler = [&ctx](const Json& args, CallContext&) { return job_result(ctx, ctx.jobs.resume(args["job_id"])); };
  return t;
}

}  // namespace

void add_training_tools(ToolContext& ctx) {
  auto& reg = ctx.server.registry();
  reg.add_tool(start_training_tool(ctx));
  reg.add_tool(get_job_tool(ctx));
  reg.add_tool(list_jobs_tool(ctx));
  reg.add_tool(cancel_job_tool(ctx));
  reg.add_tool(resume_job_tool(ctx));
}

}  // namespace llmcp::mcp
