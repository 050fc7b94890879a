// stdio transport; see stdio_transport.h.
#include "mcp/stdio_transport.h"

#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <set>
#include <string>

#include "mcp/worker_group.h"

namespace llmcp::mcp {
namespace {

class LineWriter {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}
  bool write(const Json& message) {
    std::string line = message.dump(-1, ' ', false, Json::error_handler_t::replace);
    line.push_back('\n');
    std::lock_guard lock(mu_);
    if (broken_) return false;
    size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken_ = true;  // the client went away (EPIPE): drop further output
        return false;
      }
      done += static_cast<size_t>(n);
    }
    return true;
  }

 private:
  int fd_;
  std::mutex mu_;
  bool broken_ = false;
};

// Methods that answer at once from memory run on the reader thread; the rest (tool calls,
// resource reads, tasks/result) get a thread each, so they never hold up the reader.
bool quick(const std::string& method) {
  static const std::set<std::string> kQuick = {"ping", "initialize", "tools/list", "resources/list",
                                               "resources/templates/list", "prompts/list", "logging/setLevel",
                                               "resources/subscribe", "resources/unsubscribe", "tasks/get",
                                               "tasks/list", "tasks/cancel"};
  return kQuick.count(method) > 0;
}

// Handles one line: batches are answered with one array, after all their requests finished.
void handle_line(Server& server, const std::shared_ptr<Session>& session, LineWriter& out, WorkerGroup& workers,
                 const std::string& line) {
  auto in = parse_incoming(line);
  Sink related = [&out](const Json& m) { return out.write(m); };
  if (in.batch) {
    workers.spawn([&server, session, &out, related, in = std::move(in)] {
      Json responses = Json::array();
      for (const auto& e : in.errors) responses.push_back(e);
      for (const auto& m : in.messages)
        if (auto r = server.handle(session, m, related)) responses.push_back(std::move(*r));
      if (!responses.empty()) out.write(responses);
    });
    return;
  }
  for (const auto& e : in.errors) out.write(e);
  for (const auto& m : in.messages) {
    if (m.kind != Message::Kind::kRequest || quick(m.method)) {
      if (auto r = server.handle(session, m, related)) out.write(*r);  // in order, on this thread
      continue;
    }
    workers.spawn([&server, session, &out, related, m] {
      if (auto r = server.handle(session, m, related)) out.write(*r);
    });
  }
}

}  // namespace

void run_stdio(Server& server, const StdioOptions& options) {
  LineWriter out(options.out_fd);
  auto session = server.new_session("stdio");
  session->set_standalone([&out](const Json& m) { return out.write(m); });
  WorkerGroup workers;
  std::string line;
  bool skipping = false;  // inside an over-long line
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(options.in_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      const char c = buf[i];
      if (c != '\n') {
        if (skipping) continue;
        line.push_back(c);
        if (line.size() > options.max_message_bytes) {
          out.write(make_error(nullptr, kParseError,
                               "message longer than " + std::to_string(options.max_message_bytes) + " bytes; skipped"));
          line.clear();
          line.shrink_to_fit();
          skipping = true;
        }
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!skipping && line.find_first_not_of(" \t") != std::string::npos)
        handle_line(server, session, out, workers, line);
      line.clear();
      skipping = false;
    }
  }
  if (!skipping && line.find_first_not_of(" \t\r") != std::string::npos) handle_line(server, session, out, workers, line);
  // stdin closed: requests already read still get their answers (`printf ... | llm-mcp serve`),
  // within a grace period; then whatever still runs (a long wait on a job) is cancelled.
  if (!workers.wait_idle(std::chrono::seconds(30))) session->cancel_all();
  workers.wait_idle();
  session->set_standalone({});
}

}  // namespace llmcp::mcp
