// GET /ui/jobs/<id>/events: a training job as server-sent events, so the dashboard's curves grow
// as metrics.jsonl does. Each connection sends the metric lines the client has not seen (one
// `metric` event per line, its id the line's number, so EventSource's Last-Event-ID resumes after
// a reconnect), the job's record (`job`) and log tail (`log`) whenever they change, and `end` once
// the job has finished and every line is out; `reset` when the file was cut back (a run resumed
// from an earlier checkpoint), after which every line is sent again. A connection lasts at most
// kStreamSeconds and then closes (the browser reconnects), so it never holds a server thread long,
// and it stops at once when the server does. Everything is read through MCP resources/read
// (llmcp://jobs/{id}, /metrics, /log): the same reads an MCP client makes.
#pragma once

#include <string>

#include <httplib.h>

namespace llmcp::web {

class Dashboard;

inline constexpr int kStreamSeconds = 20;

void stream_job_events(Dashboard& dashboard, const httplib::Server& http, const std::string& job_id,
                       const std::string& last_event_id, httplib::Response& res);

}  // namespace llmcp::web
