// make_nccl_group on c10d's ProcessGroupNCCL (the CUDA build); see nccl_group.h.
#include "dist/nccl_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "core/error.h"

namespace llmcp::dist {
namespace {

class NcclPending : public Pending {
 public:
  explicit NcclPending(c10::intrusive_ptr<c10d::Work> w) : work_(std::move(w)) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception&) {
      LLMCP_FAIL(kIo, "an NCCL collective failed: another rank stopped or hangs (its log says why)");
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
};

class NcclGroup : public Group {
 public:
  NcclGroup(const c10::intrusive_ptr<c10d::Store>& store, const std::string& name, const Env& env,
            std::chrono::milliseconds timeout)
      : env_(env), store_(store) {
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = timeout;
    try {
      pg_ = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>(name + "/", store),
                                                        static_cast<int>(env.rank), static_cast<int>(env.world), opts);
    } catch (const std::exception&) {
      LLMCP_FAIL(kIo, "rank ", env.rank, ": NCCL could not start (is every rank on its own GPU, and the driver loaded?)");
    }
  }
  int64_t rank() const override { return env_.rank; }
  int64_t world() const override { return env_.world; }
  void all_reduce_sum(at::Tensor& t) override { all_reduce_sum_async(t)->wait(); }
  std::unique_ptr<Pending> all_reduce_sum_async(at::Tensor t) override {
    std::vector<at::Tensor> ts{std::move(t)};
    try {
      return std::make_unique<NcclPending>(pg_->allreduce(ts));
    } catch (const std::exception&) {
      LLMCP_FAIL(kIo, "rank ", env_.rank, ": an NCCL all-reduce could not start");
    }
  }
  void broadcast(at::Tensor& t, int64_t root) override {
    std::vector<at::Tensor> ts{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    NcclPending(pg_->broadcast(ts, o)).wait();
  }
  void barrier() override { NcclPending(pg_->barrier()).wait(); }
  void note(const std::string& key, const std::string& value) override {
    store_->set(key, std::vector<uint8_t>(value.begin(), value.end()));
  }
  std::optional<std::string> read_note(const std::string& key) override {
    try {
      if (!store_->check({key})) return std::nullopt;
      const auto v = store_->get(key);
      return std::string(v.begin(), v.end());
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  void all_gather_into(at::Tensor& out, const at::Tensor& t) override {
    auto in = t.contiguous().view(-1);
    NcclPending(pg_->all_gather_single(out, in)).wait();
  }
  std::unique_ptr<Group> another(const std::string&, bool) override {
    LLMCP_FAIL(kInternal, "another() asked of an NCCL group; ask the first (Gloo) group");
  }

 private:
  Env env_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> pg_;
};

}  // namespace

std::unique_ptr<Group> make_nccl_group(const c10::intrusive_ptr<c10d::Store>& store, const std::string& name,
                                       const Env& env, std::chrono::milliseconds timeout) {
  return std::make_unique<NcclGroup>(store, name, env, timeout);
}

}  // namespace llmcp::dist
