// The loop thread of a model's serving engine; see batch_engine.h. Requests and cancellations
// arrive under `mu`; a step runs under `step_mu` (adapter changes wait for it), builds the
// scheduler's plan into one flat forward, samples each finishing row with its request's sampler,
// and retires what ended.
#include "serve/batch_engine.h"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "serve/adapter_rows.h"
#include "serve/paged_kv.h"
#include "serve/scheduler.h"
#include "train/plan/hardware.h"

namespace llmcp::serve {

int64_t default_kv_cache_bytes(const at::Device& device) {
  if (device.is_cuda()) {
    const auto gpus = plan::detect_gpus();
    const auto i = static_cast<size_t>(std::max<int>(0, device.index()));
    if (i < gpus.size()) return gpus[i].memory_bytes * 8 / 10;  // free memory, the weights already in
  }
  return std::min<int64_t>(plan::detect_cpu().memory_bytes / 5, int64_t{4} << 30);
}

namespace {

struct Live {
  int64_t id = 0;
  Request req;
  Sequence seq;
  infer::Sampler sampler;
  int64_t generated = 0;
  Live(int64_t i, Request r) : id(i), req(std::move(r)), sampler(req.sampling) {}
};

int64_t blocks_in(int64_t bytes, const model::Decoder& d, int64_t block_size) {
  const int64_t per = PagedKv::block_bytes(d.config(), block_size, d.dtype());
  LLMCP_CHECK(bytes >= per, kInvalidArgument, "the KV cache budget of ", bytes, " bytes holds no block (one block of ",
              block_size, " tokens takes ", per, " bytes for this model); give it more memory (--kv-cache-gb)");
  return bytes / per;
}

}  // namespace

struct BatchEngine::Impl {
  model::Decoder& decoder;
  peft::PeftModel& peft;
  EngineOptions opt;
  BlockPool pool;
  Scheduler sched;
  PagedKv kv;
  AdapterRows rows;

  mutable std::mutex mu;  // incoming, cancels, stopping, stats
  std::condition_variable cv;
  std::deque<std::unique_ptr<Live>> incoming;
  std::vector<int64_t> cancels;
  bool stopping = false;
  int64_t next_id = 1;
  EngineStats stats;

  std::mutex step_mu;                          // a step, or an adapter change
  std::map<int64_t, std::unique_ptr<Live>> live;  // admitted; touched under step_mu only
  std::thread loop;

  Impl(model::Decoder& d, peft::PeftModel& peft, EngineOptions o)
      : decoder(d),
        peft(peft),
        opt(o),
        pool(blocks_in(o.kv_cache_bytes > 0 ? o.kv_cache_bytes : default_kv_cache_bytes(d.device()), d, o.block_size),
             o.block_size),
        sched(pool, {o.max_batch_tokens, o.max_running}),
        kv(d.config(), pool.total_blocks(), o.block_size, d.dtype(), d.device()),
        rows(peft) {
    stats.kv_blocks_total = pool.total_blocks();
    stats.block_size = o.block_size;
    stats.kv_cache_bytes = pool.total_blocks() * PagedKv::block_bytes(d.config(), o.block_size, d.dtype());
  }

  void finish(Live& l, const std::string& reason, const std::exception* error = nullptr) {
    sched.remove(&l.seq);
    Finished f;
    f.reason = reason;
    if (error) {
      f.error = core::user_message(*error);
      f.error_code = core::user_code(*error);
    }
    const bool constrained_end = l.req.constraint && l.req.constraint->complete();
    if (reason == "eos" && !constrained_end) f.eos_token = l.seq.tokens.back();
    f.prompt_tokens = static_cast<int64_t>(l.req.prompt.size());
    f.completion_tokens = l.generated;
    f.cached_tokens = l.seq.cached_tokens;
    f.preemptions = l.seq.preemptions;
    {
      std::lock_guard lock(mu);
      ++stats.requests_finished;
      if (reason == "cancelled" || reason == "stopped") ++stats.requests_cancelled;
      stats.preemptions += l.seq.preemptions;
      stats.prompt_tokens += f.prompt_tokens;
      stats.cached_prompt_tokens += f.cached_tokens;
      ++stats.finished_by_adapter[l.req.adapter];
      stats.kv_blocks_used = pool.used_blocks();  // before on_finish: a caller told it ended sees its blocks back
    }
    if (l.req.on_finish) l.req.on_finish(f);
    live.erase(l.id);
  }

  // New requests join (or are refused at once); cancelled ones leave. step_mu held.
  void take_arrivals() {
    std::deque<std::unique_ptr<Live>> arrived;
    std::vector<int64_t> cancelled;
    {
      std::lock_guard lock(mu);
      arrived.swap(incoming);
      cancelled.swap(cancels);
    }
    for (auto& l : arrived) {
      Live& ref = *l;
      live[l->id] = std::move(l);
      try {
        LLMCP_CHECK(ref.req.adapter.empty() || rows.has(ref.req.adapter), kNotFound, "adapter '", ref.req.adapter,
                    "' is not loaded");
        ref.seq.id = ref.id;
        ref.seq.tokens = ref.req.prompt;
        ref.seq.max_tokens = static_cast<int64_t>(ref.req.prompt.size()) + ref.req.max_new_tokens;
        sched.add(&ref.seq);
        if (ref.req.max_new_tokens == 0) finish(ref, "length");
      } catch (const std::exception& e) {
        finish(ref, "error", &e);
      }
    }
    for (auto id : cancelled) {
      auto it = live.find(id);
      if (it != live.end()) finish(*it->second, "cancelled");
    }
  }

  // One forward over the plan's tokens; then each sampling row gets its token.
  void step() {
    auto plan = sched.schedule();
    if (plan.items.empty()) return;
    std::stable_sort(plan.items.begin(), plan.items.end(), [&](const StepItem& a, const StepItem& b) {
      return live.at(a.seq->id)->req.adapter < live.at(b.seq->id)->req.adapter;
    });
    StepRuns runs;
    for (const auto& it : plan.items) {
      const auto& adapter = live.at(it.seq->id)->req.adapter;
      runs.tokens.add(adapter, it.count);
      if (it.samples) runs.sampled.add(adapter, 1);
    }
    rows.set_step(std::move(runs));
    PagedStep paged(kv, plan, decoder.config().sliding_window);
    at::Tensor logits;
    {
      at::NoGradGuard no_grad;
      logits = decoder.forward_tokens(paged.ids(), paged.positions(), paged, paged.rows()).to(at::kCPU, at::kFloat);
    }
    sched.committed(plan);
    {
      std::lock_guard lock(mu);
      ++stats.steps;
    }
    for (size_t r = 0; r < paged.sampled_items().size(); ++r) {
      Live& l = *live.at(plan.items[paged.sampled_items()[r]].seq->id);
      sample(l, logits[static_cast<int64_t>(r)]);
    }
  }

  void sample(Live& l, const at::Tensor& row) {
    LLMCP_CHECK(at::isfinite(row).all().item<bool>(), kMalformedFile,
                "the model's output is not a number (NaN or infinite): its weights hold NaN or infinite values, or "
                "overflow in this dtype (try dtype float32)");
    const int64_t V = l.req.vocab_limit > 0 ? std::min(l.req.vocab_limit, row.size(0)) : row.size(0);
    const at::Tensor logits = row.narrow(0, 0, V);
    auto& constraint = l.req.constraint;
    const int64_t left = l.req.max_new_tokens - l.generated;
    const int64_t token = l.sampler.next(constraint ? constraint->mask(logits, left) : logits, l.seq.tokens);
    l.seq.tokens.push_back(token);
    ++l.generated;
    {
      std::lock_guard lock(mu);
      ++stats.generation_tokens;
    }
    if (std::find(l.req.eos_ids.begin(), l.req.eos_ids.end(), token) != l.req.eos_ids.end()) return finish(l, "eos");
    TokenEvent ev = l.req.top_logprobs >= 0 ? infer::token_logprob(logits, token, l.req.top_logprobs) : TokenEvent{};
    ev.token = token;
    if (constraint) constraint->advance(token);
    if (l.req.on_token && !l.req.on_token(ev)) return finish(l, "stopped");
    if (constraint && constraint->complete()) return finish(l, "eos");
    if (l.generated >= l.req.max_new_tokens) finish(l, "length");
  }

  void run() {
    for (;;) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || !incoming.empty() || !cancels.empty() || stats.running + stats.waiting > 0; });
        if (stopping) break;
      }
      std::lock_guard step_lock(step_mu);
      take_arrivals();
      if (!live.empty()) {
        try {
          step();
        } catch (const std::exception& e) {  // the step's requests cannot go on: each is told why
          core::log_warn("serving step failed: ", core::user_message(e));
          std::vector<Live*> all;
          for (auto& [id, l] : live) all.push_back(l.get());
          for (auto* l : all) finish(*l, "error", &e);
        }
      }
      std::lock_guard lock(mu);
      stats.running = static_cast<int64_t>(sched.running());
      stats.waiting = static_cast<int64_t>(sched.waiting());
      stats.kv_blocks_used = pool.used_blocks();
      stats.running_by_adapter.clear();
      for (auto& [id, l] : live) ++stats.running_by_adapter[l->req.adapter];
    }
    std::lock_guard step_lock(step_mu);
    take_arrivals();
    std::vector<Live*> all;
    for (auto& [id, l] : live) all.push_back(l.get());
    for (auto* l : all) finish(*l, "cancelled");
  }
};

BatchEngine::BatchEngine(model::Decoder& decoder, peft::PeftModel& peft, EngineOptions options)
    : impl_(std::make_unique<Impl>(decoder, peft, options)) {
  impl_->loop = std::thread([this] { impl_->run(); });
}

BatchEngine::~BatchEngine() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->loop.join();
}

int64_t BatchEngine::submit(Request r) {
  std::lock_guard lock(impl_->mu);
  const int64_t id = impl_->next_id++;
  impl_->incoming.push_back(std::make_unique<Live>(id, std::move(r)));
  ++impl_->stats.waiting;
  impl_->cv.notify_all();
  return id;
}

void BatchEngine::cancel(int64_t id) {
  std::lock_guard lock(impl_->mu);
  impl_->cancels.push_back(id);
  impl_->cv.notify_all();
}

void BatchEngine::add_adapter(const std::string& name, const std::function<void(peft::PeftModel&)>& load) {
  std::lock_guard step(impl_->step_mu);
  try {
    if (load) load(impl_->peft);
    impl_->rows.attach(name);  // also re-installs the others: a PEFT model change clears every delta
  } catch (...) {
    if (load) {
      const auto names = impl_->peft.adapter_names();
      if (std::find(names.begin(), names.end(), name) != names.end()) impl_->peft.delete_adapter(name);
    }
    impl_->rows.detach(name);
    throw;
  }
}

void BatchEngine::remove_adapter(const std::string& name) {
  std::lock_guard step(impl_->step_mu);
  std::vector<Live*> users;
  for (auto& [id, l] : impl_->live)
    if (l->req.adapter == name) users.push_back(l.get());
  for (auto* l : users) impl_->finish(*l, "cancelled");
  const auto names = impl_->peft.adapter_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) impl_->peft.delete_adapter(name);
  impl_->rows.detach(name);
}

EngineStats BatchEngine::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace llmcp::serve
