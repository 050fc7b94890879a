// Job events; see job_events.h.
#include "web/job_events.h"

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "web/dashboard.h"

namespace llmcp::web {
namespace {

using Json = nlohmann::json;

// The text of a resource, or nullopt when it is not there (an unknown job).
std::optional<std::string> read_text(Dashboard& d, const std::string& uri) {
  const Json r = d.rpc("resources/read", {{"uri", uri}});
  if (!r.contains("result")) return std::nullopt;
  const Json& contents = r["result"].value("contents", Json::array());
  if (contents.empty() || !contents[0].contains("text")) return std::string();
  return contents[0]["text"].get<std::string>();
}

std::vector<std::string> complete_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  for (size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1)
    if (nl > pos) lines.push_back(text.substr(pos, nl - pos));
  return lines;  // (a last line without its newline is still being written)
}

std::string event(const std::string& name, const std::string& data, const std::string& id = "") {
  return (id.empty() ? "" : "id: " + id + "\n") + "event: " + name + "\ndata: " + data + "\n\n";
}

struct StreamState {
  std::string job_id;
  size_t sent = 0;        // metric lines of the text the client has
  std::string last_line;  // the last of them ("" after a reconnect: only its number is known)
  std::string record, log;
  bool first = true;
};

// Where the lines the client lacks start in `lines`, or nullopt when they cannot be found: the file
// was cut back (a run resumed from an earlier checkpoint). The last line sent is looked for, so a
// file cut and grown again within one tick is caught, and so is the resource's window sliding (it
// holds a long file's last 8 MiB).
std::optional<size_t> resume_at(const std::vector<std::string>& lines, const StreamState& s) {
  if (s.sent == 0) return 0;
  if (s.last_line.empty()) return s.sent <= lines.size() ? std::optional<size_t>(s.sent) : std::nullopt;
  if (s.sent <= lines.size() && lines[s.sent - 1] == s.last_line) return s.sent;
  for (size_t k = lines.size(); k-- > 0;)
    if (lines[k] == s.last_line) return k + 1;
  return std::nullopt;
}

}  // namespace

void stream_job_events(Dashboard& dashboard, const httplib::Server& http, const std::string& job_id,
                       const std::string& last_event_id, httplib::Response& res) {
  auto state = std::make_shared<StreamState>();
  state->job_id = job_id;
  if (!last_event_id.empty() && last_event_id.size() < 12 &&
      last_event_id.find_first_not_of("0123456789") == std::string::npos)
    state->sent = std::stoul(last_event_id);
  if (!read_text(dashboard, "llmcp://jobs/" + job_id)) {
    res.status = 404;
    res.set_content(Json{{"error", "no job " + job_id + "; list_jobs lists them"}}.dump(), "application/json");
    return;
  }
  res.set_header("Cache-Control", "no-store");
  res.set_chunked_content_provider("text/event-stream", [&dashboard, &http, state](size_t, httplib::DataSink& sink) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kStreamSeconds);
    const std::string base = "llmcp://jobs/" + state->job_id;
    auto send = [&sink](const std::string& s) { return sink.write(s.data(), s.size()); };
    if (state->first && !send("retry: 1000\n\n")) return false;
    state->first = false;
    while (http.is_running() && std::chrono::steady_clock::now() < deadline) {
      const auto record = read_text(dashboard, base);
      if (!record) break;  // the job is gone
      const auto lines = complete_lines(read_text(dashboard, base + "/metrics").value_or(""));
      const auto from = resume_at(lines, *state);
      if (!from && !send(event("reset", "{}"))) return false;
      for (state->sent = from.value_or(0); state->sent < lines.size(); ++state->sent) {
        if (!send(event("metric", lines[state->sent], std::to_string(state->sent + 1)))) return false;
        state->last_line = lines[state->sent];
      }
      const auto job = Json::parse(*record, nullptr, false);
      if (*record != state->record && !send(event("job", job.dump()))) return false;
      state->record = *record;
      const auto log = read_text(dashboard, base + "/log").value_or("");
      if (log != state->log && !send(event("log", Json(log).dump()))) return false;
      state->log = log;
      const std::string status = job.is_object() ? job.value("status", "") : "";
      if (status == "completed" || status == "failed" || status == "cancelled" || status == "interrupted") {
        send(event("end", "{}"));
        break;
      }
      for (int i = 0; i < 10 && http.is_running() && sink.is_writable(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!sink.is_writable()) return false;
    }
    sink.done();
    return true;
  });
}

}  // namespace llmcp::web
