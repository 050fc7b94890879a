// The group of training processes, on torch.distributed's c10d (nothing home-made for transport
// or collectives): rendezvous through c10d's TCPStore at MASTER_ADDR:MASTER_PORT, Gloo on CPUs.
// Every collective is bounded by a timeout, so a rank that died or hangs stops the others with an
// error instead of a wait forever. c10d's headers stay in process_group.cpp.
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmcp::dist {

// Where this process stands, as torchrun describes it (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT). world 1: not distributed.
struct Env {
  int64_t rank = 0, world = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;
};
// Reads torchrun's variables; the defaults above when they are unset. Throws on values that
// cannot be (a rank outside the world, a port outside 1..65535).
Env env_from_environment();

// An all-reduce in flight (wait() before reading its tensor).
class Pending {
 public:
  virtual ~Pending() = default;
  virtual void wait() = 0;
};

class Group {
 public:
  // Joins the group: rank 0 serves the TCPStore, the others connect to it (retrying until
  // `timeout`). Throws naming the address when the rendezvous does not complete.
  static std::unique_ptr<Group> join(const Env& env, std::chrono::milliseconds timeout);
  virtual ~Group() = default;

  virtual int64_t rank() const = 0;
  virtual int64_t world() const = 0;
  // Sums `t` over the ranks, in place.
  virtual void all_reduce_sum(at::Tensor& t) = 0;
  virtual std::unique_ptr<Pending> all_reduce_sum_async(at::Tensor t) = 0;
  virtual void broadcast(at::Tensor& t, int64_t root) = 0;  // root's `t` into everyone's
  // Every rank's `t` (same size everywhere), concatenated in rank order into `out`, a contiguous
  // [world * numel] of t's dtype and device.
  virtual void all_gather_into(at::Tensor& out, const at::Tensor& t) = 0;
  virtual void barrier() = 0;
  // The rendezvous store (served by rank 0): small notes the ranks leave for each other, such as
  // the step each one reached, to name a rank that hangs. get() is nothing when the key is not
  // there or the store cannot be reached.
  virtual void note(const std::string& key, const std::string& value) = 0;
  virtual std::optional<std::string> read_note(const std::string& key) = 0;
  // Another group over the same ranks and store, with its own sequence of collectives (so two
  // streams of them, such as gradient sums and weight gathers, never have to interleave alike on
  // every rank); `name` keeps its rendezvous apart. For CUDA tensors (`cuda`) it is NCCL, which
  // throws kUnsupported in a build without CUDA. Asked of the first group only.
  virtual std::unique_ptr<Group> another(const std::string& name, bool cuda) = 0;
};

}  // namespace llmcp::dist
