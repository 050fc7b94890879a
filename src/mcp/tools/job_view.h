// How a training job is shown to clients (get_job, list_jobs, the jobs resources, task results):
// one JSON object built from the job record and its metrics, and following a job while it runs
// (progress notifications) shared by start_training's task mode and get_job's wait.
#pragma once

#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {

Json job_json(const JobRecord& job, const JobProgress& progress);
Json job_output_schema();
// Waits up to `seconds` (or until the job finished / the call is cancelled), sending progress
// notifications (steps done of total) as the job advances. Returns the job's final view.
JobRecord follow_job(ToolContext& ctx, const std::string& id, CallContext& call, double seconds);
// get_job's result: the view plus the loss curve as a PNG image block.
ToolResult job_result(ToolContext& ctx, const JobRecord& job);

}  // namespace llmcp::mcp
