// Detached worker threads that can be waited for as a group: each request (and each task) runs
// on its own thread, so a long tool call never blocks ping or notifications/cancelled, and
// shutdown waits for whatever is still running instead of destroying state under it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace llmcp::mcp {

class WorkerGroup {
 public:
  ~WorkerGroup() { wait_idle(); }

  void spawn(std::function<void()> work) {
    {
      std::lock_guard lock(mu_);
      ++running_;
    }
    std::thread([this, work = std::move(work)] {
      try {
        work();
      } catch (...) {  // work reports its own errors; never let one end the process
      }
      std::lock_guard lock(mu_);
      if (--running_ == 0) cv_.notify_all();
    }).detach();
  }

  // Waits until no worker runs; false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout = std::chrono::hours(24 * 365)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return running_ == 0; });
  }

  int running() {
    std::lock_guard lock(mu_);
    return running_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
};

}  // namespace llmcp::mcp
