// A queue of outgoing messages between the threads that produce them (a request's worker, the
// server's notifications) and the HTTP thread that writes them as server-sent events. Either
// side may go away first: a producer finishing ends the stream once drained; a disconnected
// client makes further pushes fail instead of piling up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

#include "mcp/jsonrpc.h"

namespace llmcp::mcp {

class EventStream {
 public:
  enum class Pop { kMessage, kTimeout, kFinished };

  bool push(const Json& message) {
    std::string data = message.dump(-1, ' ', false, Json::error_handler_t::replace);
    {
      std::lock_guard lock(mu_);
      if (disconnected_ || finished_) return false;
      queue_.push_back(std::move(data));
    }
    cv_.notify_all();
    return true;
  }
  void finish() {
    {
      std::lock_guard lock(mu_);
      finished_ = true;
    }
    cv_.notify_all();
  }
  void disconnect() {
    {
      std::lock_guard lock(mu_);
      disconnected_ = true;
      queue_.clear();
    }
    cv_.notify_all();
  }
  bool disconnected() {
    std::lock_guard lock(mu_);
    return disconnected_;
  }
  // The next message's JSON text, waiting up to `timeout`.
  Pop pop(std::string& out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || finished_ || disconnected_; });
    if (!queue_.empty()) {
      out = std::move(queue_.front());
      queue_.pop_front();
      return Pop::kMessage;
    }
    return (finished_ || disconnected_) ? Pop::kFinished : Pop::kTimeout;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool finished_ = false, disconnected_ = false;
};

}  // namespace llmcp::mcp
