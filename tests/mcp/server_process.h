// Runs `llm-mcp serve` (stdio) as a child process for tests: write lines to its stdin, read
// lines from its stdout with a timeout, see whether it is still alive. A thread drains stdout all
// the time, so a test that writes a lot before reading never deadlocks on full pipes.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::testing {

class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& args) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    const char* cli = std::getenv("LLMCP_CLI");
    if (!cli) throw std::runtime_error("LLMCP_CLI is not set: run through ctest");
    std::vector<std::string> all = {cli};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
    ::signal(SIGPIPE, SIG_IGN);
    reader_ = std::thread([this] {
      char buf[65536];
      for (;;) {
        const ssize_t n = ::read(from_, buf, sizeof buf);
        std::lock_guard lock(mu_);
        if (n <= 0) {
          eof_ = true;
          cv_.notify_all();
          return;
        }
        buffer_.append(buf, static_cast<size_t>(n));
        cv_.notify_all();
      }
    });
  }
  ~ServerProcess() {
    close_stdin();
    if (pid_ > 0) {
      for (int i = 0; i < 100 && !exited(); ++i) ::usleep(50000);
      if (!exited()) ::kill(pid_, SIGKILL), ::waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) reader_.join();  // ends at EOF: the child is gone
    if (from_ >= 0) ::close(from_);
  }
  void send(const std::string& line) {
    std::string s = line + "\n";
    size_t done = 0;
    while (done < s.size()) {
      const ssize_t n = ::write(to_, s.data() + done, s.size() - done);
      if (n <= 0) throw std::runtime_error("the server closed its stdin");
      done += static_cast<size_t>(n);
    }
  }
  void send_json(const nlohmann::json& j) { send(j.dump()); }
  void close_stdin() {
    if (to_ >= 0) ::close(to_), to_ = -1;
  }
  // The next line, or "" after `timeout` (or at end of output).
  std::string read_line(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return buffer_.find('\n') != std::string::npos || eof_; });
    const auto nl = buffer_.find('\n');
    if (nl == std::string::npos) return "";
    std::string line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    return line;
  }
  // The response with this id, skipping everything else; null when none came in time.
  nlohmann::json response(const nlohmann::json& id, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto line = read_line(left);
      if (line.empty()) {
        std::lock_guard lock(mu_);
        if (eof_) return nullptr;
        continue;
      }
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("id") && j["id"] == id && !j.contains("method")) return j;
    }
    return nullptr;
  }
  bool exited() {
    if (pid_ <= 0) return true;
    int st;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;
  bool eof_ = false;
  std::thread reader_;
};

}  // namespace llmcp::testing
