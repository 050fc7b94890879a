// launch(); see launch.h.
#include "dist/launch.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "core/error.h"

extern char** environ;

namespace llmcp::dist {
namespace {

std::atomic<int> g_signal{0};
extern "C" void on_launcher_signal(int sig) { g_signal.store(sig); }

// The environment of one rank: ours, with torchrun's variables set.
std::vector<std::string> rank_environment(const LaunchOptions& o, int64_t local_rank) {
  const int64_t world = o.nproc_per_node * o.nnodes;
  const int64_t rank = o.node_rank * o.nproc_per_node + local_rank;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const auto threads = std::max<int64_t>(1, static_cast<int64_t>(cores) / o.nproc_per_node);
  const std::vector<std::pair<std::string, std::string>> set = {
      {"RANK", std::to_string(rank)},
      {"WORLD_SIZE", std::to_string(world)},
      {"LOCAL_RANK", std::to_string(local_rank)},
      {"LOCAL_WORLD_SIZE", std::to_string(o.nproc_per_node)},
      {"GROUP_RANK", std::to_string(o.node_rank)},
      {"MASTER_ADDR", o.master_addr},
      {"MASTER_PORT", std::to_string(o.master_port)},
      {"OMP_NUM_THREADS", std::to_string(threads)}};
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const auto name = kv.substr(0, kv.find('='));
    if (std::none_of(set.begin(), set.end(), [&](const auto& s) { return s.first == name; })) env.push_back(kv);
  }
  for (const auto& [k, v] : set) env.push_back(std::string(k).append("=").append(v));
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& v) {
  std::vector<char*> p;
  for (auto& s : v) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + ::strsignal(WTERMSIG(status));
  return "ended";
}

}  // namespace

LaunchResult launch(const LaunchOptions& o) {
  LLMCP_CHECK(o.nproc_per_node >= 1 && o.nnodes >= 1 && o.node_rank >= 0 && o.node_rank < o.nnodes, kInvalidArgument,
              "--node-rank ", o.node_rank, " must be below --nnodes ", o.nnodes);
  LLMCP_CHECK(!o.argv.empty(), kInternal, "launch: no command");
  struct sigaction sa {}, old_int {}, old_term {};
  sa.sa_handler = on_launcher_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);

  std::vector<pid_t> pids;
  for (int64_t r = 0; r < o.nproc_per_node; ++r) {
    auto args = o.argv;
    const int64_t rank = o.node_rank * o.nproc_per_node + r;
    if (rank == 0) args.insert(args.end(), o.rank0_argv_extra.begin(), o.rank0_argv_extra.end());
    auto env = rank_environment(o, r);
    auto argp = pointers(args), envp = pointers(env);
    pid_t pid = 0;
    const int err = ::posix_spawn(&pid, args[0].c_str(), nullptr, nullptr, argp.data(), envp.data());
    if (err != 0) {
      for (pid_t p : pids) ::kill(p, SIGKILL);
      for (pid_t p : pids) ::waitpid(p, nullptr, 0);
      LLMCP_FAIL(kIo, "could not start rank ", rank, " (", args[0], "): ", std::strerror(err));
    }
    pids.push_back(pid);
  }

  LaunchResult result;
  std::vector<bool> done(pids.size(), false);
  size_t left = pids.size();
  bool stopping = false;
  auto stop_deadline = std::chrono::steady_clock::time_point::max();
  int forwarded = 0;
  while (left > 0) {
    if (const int sig = g_signal.exchange(0); sig != 0) {  // Ctrl-C / SIGTERM: to every rank
      for (size_t i = 0; i < pids.size(); ++i)
        if (!done[i]) ::kill(pids[i], sig);
      if (++forwarded > 1 && !stopping) {  // a second one: no grace
        stopping = true;
        stop_deadline = std::chrono::steady_clock::now();
      }
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      const auto it = std::find(pids.begin(), pids.end(), pid);
      if (it == pids.end()) continue;
      const auto i = static_cast<size_t>(it - pids.begin());
      done[i] = true;
      --left;
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && result.failed_rank < 0) {
        result.failed_rank = o.node_rank * o.nproc_per_node + static_cast<int64_t>(i);
        result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        result.message = "rank " + std::to_string(result.failed_rank) + " " + describe(status);
        if (!stopping) {  // the others cannot go on without it
          stopping = true;
          stop_deadline = std::chrono::steady_clock::now() + o.grace;
          for (size_t k = 0; k < pids.size(); ++k)
            if (!done[k]) ::kill(pids[k], SIGTERM);
        }
      }
      continue;
    }
    if (stopping && std::chrono::steady_clock::now() >= stop_deadline) {
      for (size_t k = 0; k < pids.size(); ++k)
        if (!done[k]) ::kill(pids[k], SIGKILL);
      stop_deadline = std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  return result;
}

}  // namespace llmcp::dist
