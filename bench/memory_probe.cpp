// Where the memory of a training step goes, phase by phase, beside the planner's estimate of the
// same config: live heap bytes (glibc's mallinfo2: arena bytes in use + mmap'ed blocks) after
// loading, after the forward pass, the highest seen by a 1 ms sampler during backward and during
// the optimizer step, and the process's peak RSS. Rows are random ids of exactly seq_len tokens,
// every position a target (the planner's assumption). For calibrating train/plan/, not a test.
// The other flags are the glibc experiments the README reports: --trim / --mmap set
// M_TRIM_THRESHOLD / M_MMAP_THRESHOLD after the runtime's own, --trim-each-step 1 and
// --trim-after-forward 1 call malloc_trim(0) at those points.
//   memory_probe CONFIG.yaml [--steps 2] [--trim N] [--mmap N] [--trim-each-step 1] [--trim-after-forward 1]
#include <ATen/ATen.h>
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/runtime.h"
#include "train/autocast.h"
#include "train/loss.h"
#include "train/metrics.h"
#include "train/optimizer.h"
#include "train/plan/memory_estimate.h"
#include "train/trainable_model.h"

namespace {

int64_t live_bytes() {
  const auto m = mallinfo2();
  return static_cast<int64_t>(m.uordblks + m.hblkhd);
}

// The heap's extent (arena bytes, used or free: glibc keeps freed chunks resident) + mmap'ed blocks.
int64_t held_bytes() {
  const auto m = mallinfo2();
  return static_cast<int64_t>(m.arena + m.hblkhd);
}

// The highest live_bytes() seen while it runs.
class Sampler {
 public:
  Sampler() : peak_(live_bytes()), held_(held_bytes()), thread_([this] {
    while (!stop_) {
      peak_ = std::max(peak_.load(), live_bytes());
      held_ = std::max(held_.load(), held_bytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }) {}
  int64_t finish() {
    stop_ = true;
    thread_.join();
    return std::max(peak_.load(), live_bytes());
  }
  int64_t held() const { return std::max(held_.load(), held_bytes()); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_, held_;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) try {
  using namespace llmcp;
  if (argc < 2) {
    std::cerr << "usage: memory_probe CONFIG.yaml [--steps N]\n";
    return 2;
  }
  int64_t steps = 2;
  int64_t trim = -1, mmap_threshold = -1, trim_each_step = 0, trim_after_forward = 0;  // experiments with glibc's settings
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--steps") steps = std::stoll(argv[i + 1]);
    else if (k == "--trim") trim = std::stoll(argv[i + 1]);
    else if (k == "--mmap") mmap_threshold = std::stoll(argv[i + 1]);
    else if (k == "--trim-each-step") trim_each_step = std::stoll(argv[i + 1]);
    else if (k == "--trim-after-forward") trim_after_forward = std::stoll(argv[i + 1]);
  }
  const auto c = train::train_config_from_json(train::read_config_file(argv[1]));
  core::init_torch_threads();
  if (trim >= 0) mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim));
  if (mmap_threshold >= 0) mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold));
  (void)at::zeros({1});
  const int64_t base_live = live_bytes(), base_rss = train::rss_bytes(), base_held = held_bytes();
  auto model = train::TrainableModel::create(c);
  train::Optimizer opt(model->parameters(), {.lr = 1e-4});
  const int64_t loaded = live_bytes() - base_live;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  const int64_t vocab = model->decoder().config().vocab_size;
  nlohmann::ordered_json phases = nlohmann::ordered_json::array();
  for (int64_t s = 1; s <= steps; ++s) {
    train::Batch b;
    b.ids = at::randint(4, vocab, {c.batch_size, c.seq_len}, gen, at::kLong);
    b.attention = at::ones({c.batch_size, c.seq_len}, at::kLong);
    b.targets = at::ones({c.batch_size, c.seq_len}, at::kBool);
    b.targets.select(1, 0).fill_(false);
    model->set_training(true);
    model->before_step(s, steps);
    opt.zero_grad();
    Sampler fwd;
    train::LossSum l;
    {
      train::Autocast ac(c.bf16);
      l = train::causal_lm_loss(model->decoder(), b);
    }
    const int64_t fwd_peak = fwd.finish() - base_live, after_fwd = live_bytes() - base_live;
    const int64_t held_fwd = fwd.held() - base_held;
    if (trim_after_forward) malloc_trim(0);
    Sampler bwd;
    (l.sum / static_cast<double>(l.tokens)).backward();
    const int64_t bwd_peak = bwd.finish() - base_live, after_bwd = live_bytes() - base_live;
    Sampler step;
    opt.clip_grad_norm(1.0);
    opt.step(1e-4);
    model->after_step(s, steps, opt);
    if (trim_each_step) malloc_trim(0);
    const int64_t step_peak = step.finish() - base_live;
    phases.push_back({{"step", s}, {"forward_peak", fwd_peak}, {"after_forward", after_fwd}, {"backward_peak", bwd_peak},
                      {"after_backward", after_bwd}, {"step_peak", step_peak},
                      {"held_forward", held_fwd}, {"held_peak", std::max({fwd.held(), bwd.held(), step.held()}) - base_held},
                      {"rss", train::rss_bytes() - base_rss}});
  }
  const auto e = plan::estimate_training(plan::load_model_shape(c.model), c);
  nlohmann::ordered_json out;
  out["loaded"] = loaded;
  out["phases"] = phases;
  out["peak_rss_increase"] = train::peak_rss_bytes() - base_rss;
  out["estimate"] = e.to_json();
  std::cout << out.dump(1) << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "memory_probe: " << e.what() << "\n";
  return 1;
}
