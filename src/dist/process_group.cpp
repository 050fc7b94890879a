// Group on c10d's TCPStore and ProcessGroupGloo; see process_group.h.
#include "dist/process_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <c10/util/Logging.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string_view>

#include "core/error.h"
#include "core/log.h"
#include "dist/nccl_group.h"

namespace llmcp::dist {
namespace {

int64_t env_int(const char* name, int64_t fallback, int64_t least, int64_t most) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  LLMCP_CHECK(end && *end == '\0' && n >= least && n <= most, kInvalidArgument, "environment variable ", name, "=", v,
              ": expected an integer from ", least, " to ", most);
  return n;
}

// What a c10d / Gloo failure means for the user, in our words (never its text or stack; its first
// line goes to the debug log, LLMCP_LOG_LEVEL=debug, for developers).
std::string cause(const std::string& text) {
  core::log_line(core::LogLevel::kDebug, "c10d: " + text.substr(0, text.find('\n')));
  auto has = [&](std::string_view w) { return text.find(w) != std::string::npos; };
  if (has("imed out") || has("imeout") || has("timeout"))
    return "no answer from the other ranks within the timeout (--dist-timeout): one of them hangs or is far behind";
  if (has("reset by peer") || has("closed by peer") || has("Connection closed") || has("EOF") || has("Broken pipe"))
    return "the connection to another rank was lost: that rank stopped (its log says why)";
  if (has("refused") || has("resolve") || has("unreachable") || has("bind") || has("connect"))
    return "the rendezvous address could not be reached: check --master-addr / --master-port (MASTER_ADDR, "
           "MASTER_PORT) and that rank 0 runs";
  if (has("EADDRINUSE") || has("address already in use") || has("failed to listen"))
    return "rank 0 could not serve the rendezvous: --master-port (MASTER_PORT) is taken by another program; "
           "choose a free one";
  if (has("Ping failed") || has("invalid value returned from server"))
    return "something other than rank 0's store answered at --master-addr:--master-port (MASTER_ADDR, MASTER_PORT): "
           "check them";
  if (has("size doesn't match") || has("mismatch"))
    return "the ranks issued different collectives (a bug of ours: please report it with the ranks' logs)";
  return "the distributed backend failed";
}

// A c10d failure as our error: what was being done, and what it means.
template <class F>
auto guarded(const char* what, int64_t rank, F f) -> decltype(f()) {
  try {
    return f();
  } catch (const core::Error&) {
    throw;
  } catch (const c10::Error& e) {
    LLMCP_FAIL(kIo, "rank ", rank, ": ", what, " failed: ", cause(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    LLMCP_FAIL(kIo, "rank ", rank, ": ", what, " failed: ", cause(e.what()));
  }
}

class GlooPending : public Pending {
 public:
  GlooPending(c10::intrusive_ptr<c10d::Work> work, int64_t rank) : work_(std::move(work)), rank_(rank) {}
  void wait() override {
    guarded("an all-reduce", rank_, [&] { return work_->wait(); });
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  int64_t rank_;
};

class GlooGroup : public Group {
 public:
  GlooGroup(const Env& env, std::chrono::milliseconds timeout) : env_(env), timeout_(timeout) {
    // c10d logs its retries and failures itself, with libtorch's stack frames; our errors say what
    // happened, so only fatal messages may pass (c10's log level, as TORCH_CPP_LOG_LEVEL sets it).
    FLAGS_caffe2_log_level = std::max(FLAGS_caffe2_log_level, 3);
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(env.master_port);
    // Under torchrun the agent may serve the store itself (TORCHELASTIC_USE_AGENT_STORE=True, as
    // torch.distributed's env:// init reads it): then every rank is a client.
    const char* agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
    so.isServer = env.rank == 0 && !(agent && std::string_view(agent) == "True");
    so.numWorkers = static_cast<size_t>(env.world);
    so.waitWorkers = true;
    so.timeout = timeout;
    store_ = guarded("joining the group at the TCPStore", env.rank, [&] {
      return c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
    });
    connect(store_);
  }
  // another(): the same store, Gloo's rendezvous under its own prefix.
  GlooGroup(const Env& env, std::chrono::milliseconds timeout, c10::intrusive_ptr<c10d::Store> store,
            const std::string& name)
      : env_(env), timeout_(timeout), store_(std::move(store)), second_(true) {
    connect(c10::make_intrusive<c10d::PrefixStore>(name + "/", store_));
  }
  int64_t rank() const override { return env_.rank; }
  int64_t world() const override { return env_.world; }

  void all_reduce_sum(at::Tensor& t) override { all_reduce_sum_async(t)->wait(); }

  std::unique_ptr<Pending> all_reduce_sum_async(at::Tensor t) override {
    std::vector<at::Tensor> ts{std::move(t)};
    auto work = guarded("an all-reduce", env_.rank, [&] { return pg_->allreduce(ts); });
    return std::make_unique<GlooPending>(std::move(work), env_.rank);
  }

  void broadcast(at::Tensor& t, int64_t root) override {
    std::vector<at::Tensor> ts{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    guarded("a broadcast", env_.rank, [&] { return pg_->broadcast(ts, o)->wait(); });
  }

  void all_gather_into(at::Tensor& out, const at::Tensor& t) override {
    auto in = t.contiguous().view(-1);
    guarded("an all-gather", env_.rank, [&] { return pg_->all_gather_single(out, in)->wait(); });
  }

  void barrier() override {
    guarded("a barrier", env_.rank, [&] { return pg_->barrier()->wait(); });
  }

  void note(const std::string& key, const std::string& value) override {
    std::lock_guard lock(store_mu_);
    guarded("writing to the rendezvous store", env_.rank,
            [&] { store_->set(key, std::vector<uint8_t>(value.begin(), value.end())); });
  }

  std::unique_ptr<Group> another(const std::string& name, bool cuda) override {
    LLMCP_CHECK(!second_, kInternal, "another() asked of a group that another() made");
    if (cuda) return make_nccl_group(store_, name, env_, timeout_);
    return std::unique_ptr<Group>(new GlooGroup(env_, timeout_, store_, name));
  }

  std::optional<std::string> read_note(const std::string& key) override {
    std::lock_guard lock(store_mu_);
    try {
      if (!store_->check({key})) return std::nullopt;
      const auto v = store_->get(key);
      return std::string(v.begin(), v.end());
    } catch (const std::exception&) {
      return std::nullopt;  // rank 0, which serves the store, is gone
    }
  }

 private:
  Env env_;
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::mutex store_mu_;  // notes come from the training thread and the heartbeat
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  bool second_ = false;  // made by another()

  void connect(const c10::intrusive_ptr<c10d::Store>& store) {
    auto opts = c10d::ProcessGroupGloo::Options::create();
    opts->timeout = timeout_;
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");  // as torch.distributed reads it
    opts->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                              : c10d::ProcessGroupGloo::createDefaultDevice());
    pg_ = guarded("connecting to the other ranks (Gloo)", env_.rank, [&] {
      return c10::make_intrusive<c10d::ProcessGroupGloo>(store, static_cast<int>(env_.rank),
                                                         static_cast<int>(env_.world), opts);
    });
  }
};

}  // namespace

Env env_from_environment() {
  Env e;
  e.world = env_int("WORLD_SIZE", 1, 1, 1 << 20);
  e.rank = env_int("RANK", 0, 0, e.world - 1);
  e.local_rank = env_int("LOCAL_RANK", e.rank, 0, e.world - 1);
  e.master_port = env_int("MASTER_PORT", 29500, 1, 65535);
  if (const char* a = std::getenv("MASTER_ADDR"); a && *a) e.master_addr = a;
  return e;
}

std::unique_ptr<Group> Group::join(const Env& env, std::chrono::milliseconds timeout) {
  LLMCP_CHECK(env.world >= 1 && env.rank >= 0 && env.rank < env.world, kInvalidArgument, "rank ", env.rank,
              " is outside a world of ", env.world);
  return std::make_unique<GlooGroup>(env, timeout);
}

}  // namespace llmcp::dist
