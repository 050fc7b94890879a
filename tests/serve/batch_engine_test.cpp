// The serving engine with its loop thread, on a synthetic model: requests submitted together from
// many threads, over several LoRA and DoRA adapters and the base, each get what generation at
// batch 1 gives them alone (infer::generate, with that adapter active in the PEFT model); a KV
// cache too small for the load preempts and still answers correctly; cancellation frees the
// blocks; requests that cannot be served are refused with a reason.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <future>
#include <thread>

#include "infer/generate.h"
#include "model/loader.h"
#include "model/synthetic.h"
#include "peft/peft_model.h"
#include "serve/batch_engine.h"
#include "test_util.h"
#include "tokenizer/chat/tool_call_grammar.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::serve {
namespace {

struct Answer {
  std::vector<int64_t> tokens;
  Finished finished;
};

std::future<Answer> submit(BatchEngine& engine, Request r, int64_t* id = nullptr) {
  auto answer = std::make_shared<Answer>();
  auto done = std::make_shared<std::promise<Answer>>();
  auto fut = done->get_future();
  auto on_token = r.on_token;
  r.on_token = [answer, on_token](const TokenEvent& e) {
    answer->tokens.push_back(e.token);
    return !on_token || on_token(e);
  };
  r.on_finish = [answer, done](const Finished& f) {
    answer->finished = f;
    done->set_value(*answer);
  };
  const int64_t i = engine.submit(std::move(r));
  if (id) *id = i;
  return fut;
}

constexpr int kAdapters = 16;

class BatchEngineTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    model::SyntheticSpec spec;
    spec.seed = 21;
    model::create_synthetic_model(spec, *dir_ / "m");
    decoder_ = model::load_decoder(*dir_ / "m").release();
    tok_ = new tokenizer::Tokenizer(tokenizer::Tokenizer::from_dir(*dir_ / "m"));
    peft_ = new peft::PeftModel(*decoder_);
    // Adapters whose deltas are far from zero, so each one changes the answers; every fourth DoRA.
    for (int i = 0; i < kAdapters; ++i) {
      peft::LoraConfig c;
      c.r = 4;
      c.lora_alpha = 16;
      c.use_dora = i % 4 == 3;
      peft::TargetModules all;
      all.kind = peft::TargetModules::Kind::kAllLinear;
      c.target_modules = all;
      const std::string name = "a" + std::to_string(i);
      peft_->add_adapter(name, c, 100 + static_cast<uint64_t>(i));
      at::manual_seed(7 + i);
      for (auto& p : peft_->parameters(name)) {
        at::NoGradGuard g;
        p.tensor->copy_(at::randn_like(*p.tensor) * 0.3);
      }
    }
    peft_->disable();
  }
  static void TearDownTestSuite() {
    delete peft_;
    delete tok_;
    delete decoder_;
    delete dir_;
  }
  static std::vector<int64_t> prompt(int64_t n, int64_t salt) {
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < n; ++i) ids.push_back(3 + (i * 13 + salt * 7) % 400);
    return ids;
  }
  // What the request gives alone: batch-1 generation with its adapter active.
  static std::vector<int64_t> alone(const Request& r) {
    return alone_result(r).tokens;
  }
  static infer::GenerateResult alone_result(const Request& r) {
    if (r.adapter.empty()) {
      peft_->disable();
    } else {
      peft_->enable();
      peft_->set_active({r.adapter});
    }
    infer::GenerateOptions o;
    o.max_new_tokens = r.max_new_tokens;
    o.sampling = r.sampling;
    o.logprobs = r.top_logprobs;
    o.constraint = r.constraint;
    o.eos_ids = r.eos_ids;
    auto g = infer::generate(*decoder_, *tok_, r.prompt, o);
    peft_->disable();
    return g;
  }
  static testing::TempDir* dir_;
  static model::Decoder* decoder_;
  static tokenizer::Tokenizer* tok_;
  static peft::PeftModel* peft_;
};
testing::TempDir* BatchEngineTest::dir_ = nullptr;
model::Decoder* BatchEngineTest::decoder_ = nullptr;
tokenizer::Tokenizer* BatchEngineTest::tok_ = nullptr;
peft::PeftModel* BatchEngineTest::peft_ = nullptr;

// `n` requests over the first `adapters` adapters and the base, in turn.
std::vector<Request> mixed_requests(int n, int adapters = 4) {
  std::vector<Request> out;
  for (int i = 0; i < n; ++i) {
    Request r;
    r.prompt = BatchEngineTest::prompt(3 + (i * 5) % 23, i);
    r.max_new_tokens = 4 + i % 5;
    r.adapter = i % (adapters + 1) == adapters ? "" : "a" + std::to_string(i % (adapters + 1));
    if (i % 3 == 1) {  // seeded sampling: its own generator, whatever the batch
      r.sampling.temperature = 0.8;
      r.sampling.top_k = 20;
      r.sampling.seed = static_cast<uint64_t>(i);
    }
    out.push_back(r);
  }
  return out;
}

void expect_alone(std::vector<Request>& reqs, std::vector<std::future<Answer>>& futs,
                  const std::function<std::vector<int64_t>(const Request&)>& alone) {
  for (size_t i = 0; i < reqs.size(); ++i) {
    const auto a = futs[i].get();
    EXPECT_EQ(a.finished.reason, "length") << i << ": " << a.finished.error;
    EXPECT_EQ(a.tokens, alone(reqs[i])) << "request " << i << " (adapter '" << reqs[i].adapter << "')";
    EXPECT_EQ(a.finished.completion_tokens, reqs[i].max_new_tokens);
  }
}

// The load: 64 clients at once over 16 adapters (4 of them DoRA) and the base.
TEST_F(BatchEngineTest, SixtyFourClientsOverSixteenAdaptersAnswerAsAlone) {
  auto reqs = mixed_requests(64, kAdapters);
  std::vector<std::future<Answer>> futs(reqs.size());
  {
    BatchEngine engine(*decoder_, *peft_, {.kv_cache_bytes = 64 << 20, .block_size = 4, .max_batch_tokens = 128, .max_running = 64});
    for (int i = 0; i < kAdapters; ++i) engine.add_adapter("a" + std::to_string(i));
    std::vector<std::thread> clients;
    for (size_t i = 0; i < reqs.size(); ++i) clients.emplace_back([&, i] { futs[i] = submit(engine, reqs[i]); });
    for (auto& t : clients) t.join();
    for (auto& f : futs) f.wait();
    const auto s = engine.stats();
    EXPECT_EQ(s.requests_finished, 64);
    EXPECT_EQ(s.kv_blocks_used, 0);
    EXPECT_EQ(s.finished_by_adapter.at("a3"), 4);
    EXPECT_EQ(s.finished_by_adapter.at(""), 3);
    EXPECT_GT(s.steps, 0);
  }
  expect_alone(reqs, futs, &BatchEngineTest::alone);
  // The adapters matter: most answers differ from the base's for the same prompt.
  int differ = 0, adapted = 0;
  for (auto r : reqs) {
    if (r.adapter.empty()) continue;
    ++adapted;
    const auto with = alone(r);
    r.adapter.clear();
    differ += with != alone(r);
  }
  EXPECT_GT(differ, adapted / 2);
}

TEST_F(BatchEngineTest, TooSmallACachePreemptsAndStillAnswers) {
  auto reqs = mixed_requests(12);
  std::vector<std::future<Answer>> futs;
  int64_t preemptions = 0;
  {
    // 40 blocks of 2 slots: far less than 12 requests need together.
    const int64_t block = 2 * 2 * decoder_->config().num_layers * decoder_->config().num_kv_heads * decoder_->config().head_dim * 4;
    BatchEngine engine(*decoder_, *peft_, {.kv_cache_bytes = 40 * block, .block_size = 2, .max_batch_tokens = 64, .max_running = 16});
    for (int i = 0; i < 4; ++i) engine.add_adapter("a" + std::to_string(i));
    for (auto& r : reqs) futs.push_back(submit(engine, r));
    for (auto& f : futs) f.wait();
    preemptions = engine.stats().preemptions;
    EXPECT_EQ(engine.stats().kv_blocks_used, 0);
  }
  EXPECT_GT(preemptions, 0);
  expect_alone(reqs, futs, &BatchEngineTest::alone);
}

TEST_F(BatchEngineTest, CancellingFreesTheBlocks) {
  BatchEngine engine(*decoder_, *peft_, {.kv_cache_bytes = 16 << 20, .block_size = 4, .max_batch_tokens = 64, .max_running = 8});
  Request r;
  r.prompt = prompt(20, 1);
  r.max_new_tokens = 100000;  // runs until cancelled
  std::promise<void> first;
  bool told = false;
  r.on_token = [&](const TokenEvent&) {
    if (!told) first.set_value();
    told = true;
    return true;
  };
  int64_t id = 0;
  // The cache holds far fewer than 100020 tokens: refused. Then one that fits.
  auto refused = submit(engine, r).get();
  EXPECT_EQ(refused.finished.reason, "error");
  EXPECT_NE(refused.finished.error.find("--kv-cache-gb"), std::string::npos) << refused.finished.error;
  r.max_new_tokens = 200;
  auto fut = submit(engine, r, &id);
  first.get_future().wait();
  engine.cancel(id);
  const auto a = fut.get();
  EXPECT_EQ(a.finished.reason, "cancelled");
  EXPECT_LT(a.finished.completion_tokens, 200);
  for (int i = 0; i < 100 && engine.stats().kv_blocks_used > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(engine.stats().kv_blocks_used, 0);
}

TEST_F(BatchEngineTest, OnTokenEndsARequestAndUnknownAdaptersAreRefused) {
  BatchEngine engine(*decoder_, *peft_, {.kv_cache_bytes = 16 << 20, .block_size = 4, .max_batch_tokens = 64, .max_running = 8});
  Request r;
  r.prompt = prompt(5, 2);
  r.max_new_tokens = 50;
  r.on_token = [n = 0](const TokenEvent&) mutable { return ++n < 3; };
  auto a = submit(engine, r).get();
  EXPECT_EQ(a.finished.reason, "stopped");
  EXPECT_EQ(a.tokens.size(), 3u);
  r.on_token = {};
  r.adapter = "a1";  // held by the PEFT model, not attached to this engine
  auto b = submit(engine, r).get();
  EXPECT_EQ(b.finished.reason, "error");
  EXPECT_NE(b.finished.error.find("a1"), std::string::npos);
  r.adapter = "";
  r.max_new_tokens = 3;
  r.top_logprobs = 2;
  std::vector<TokenEvent> events;
  r.on_token = [&](const TokenEvent& e) {
    events.push_back(e);
    return true;
  };
  submit(engine, r).get();
  ASSERT_EQ(events.size(), 3u);
  for (const auto& e : events) {
    ASSERT_EQ(e.top.size(), 2u);
    EXPECT_EQ(e.top[0].first, e.token);  // greedy: the chosen token is the most likely
    EXPECT_DOUBLE_EQ(e.top[0].second, e.logprob);
    EXPECT_LT(e.logprob, 0);
  }
}

// Log-probabilities of sampled tokens, batched, equal batch-1 generation's (both from the raw
// logits); and they are a distribution's: the best ones' probabilities sum to at most 1.
TEST_F(BatchEngineTest, LogprobsEqualGenerationAlone) {
  auto reqs = mixed_requests(6, 2);
  std::vector<std::vector<TokenEvent>> events(reqs.size());
  {  // the engine owns the PEFT model's deltas while it runs
    BatchEngine engine(*decoder_, *peft_, {.kv_cache_bytes = 16 << 20, .block_size = 4, .max_batch_tokens = 64, .max_running = 8});
    engine.add_adapter("a1");
    std::vector<std::future<Answer>> futs;
    for (size_t i = 0; i < reqs.size(); ++i) {
      reqs[i].adapter = i % 2 ? "a1" : "";
      reqs[i].top_logprobs = static_cast<int64_t>(i % 3) * 2;
      reqs[i].on_token = [&events, i](const TokenEvent& e) {
        events[i].push_back(e);
        return true;
      };
      futs.push_back(submit(engine, reqs[i]));
    }
    for (auto& f : futs) f.get();
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    const auto want = alone_result(reqs[i]).logprobs;
    ASSERT_EQ(events[i].size(), want.size()) << i;
    for (size_t t = 0; t < want.size(); ++t) {
      EXPECT_EQ(events[i][t].token, want[t].token) << "request " << i << " token " << t;
      EXPECT_NEAR(events[i][t].logprob, want[t].logprob, 1e-5);
      ASSERT_EQ(events[i][t].top.size(), static_cast<size_t>(reqs[i].top_logprobs));
      double mass = 0;
      for (size_t k = 0; k < want[t].top.size(); ++k) {
        EXPECT_EQ(events[i][t].top[k].first, want[t].top[k].first);
        EXPECT_NEAR(events[i][t].top[k].second, want[t].top[k].second, 1e-5);
        mass += std::exp(events[i][t].top[k].second);
      }
      EXPECT_LE(mass, 1.0 + 1e-6);
    }
  }
}

// A forced tool call: every pick is one the grammar accepts, the request ends when the call is
// closed (no EOS needed), the text parses as a call, and batched equals batch-1 generation.
TEST_F(BatchEngineTest, ConstrainedRequestsWriteParsableToolCalls) {
  using namespace tokenizer::chat;
  const auto texts = std::make_shared<const std::vector<std::string>>(tokenizer::token_texts(*tok_));
  struct Case {
    ToolCallStyle style;
    ForcedToolCall forced;
    Request alone;  // the same request with its own grammar state
    std::future<Answer> answer;
  };
  std::vector<Case> cases;
  {  // the engine owns the PEFT model's deltas while it runs
    BatchEngine engine(*decoder_, *peft_, {.kv_cache_bytes = 16 << 20, .block_size = 4, .max_batch_tokens = 64, .max_running = 8});
    engine.add_adapter("a2");
    for (const auto style : {ToolCallStyle::kHermes, ToolCallStyle::kLlama3Json, ToolCallStyle::kMistral}) {
      for (int i = 0; i < 4; ++i) {
        auto forced = force_tool_call(style, {"get_weather", "search"}, i % 2 ? std::optional<std::string>("search") : std::nullopt);
        Request r;
        r.prompt = prompt(6 + i, i);
        r.max_new_tokens = 400;
        r.adapter = i < 2 ? "" : "a2";
        if (i == 3) r.sampling = {.temperature = 1.0, .top_k = 0, .top_p = 1.0, .min_p = 0.0, .repetition_penalty = 1.0, .seed = 5};
        r.constraint = infer::TokenConstraint{texts, std::make_shared<ToolCallGrammar>(forced.grammar)};
        Request alone_req = r;
        alone_req.constraint = infer::TokenConstraint{texts, std::make_shared<ToolCallGrammar>(forced.grammar)};
        auto answer = submit(engine, r);
        cases.push_back({style, std::move(forced), std::move(alone_req), std::move(answer)});
      }
    }
    for (auto& c : cases) c.answer.wait();
  }
  for (auto& c : cases) {
    const auto a = c.answer.get();
    const std::string what = std::string(style_name(c.style)) + " " + (c.alone.adapter.empty() ? "base" : "a2");
    std::vector<int32_t> ids(a.tokens.begin(), a.tokens.end());
    const std::string text = tok_->decode(ids);
    ASSERT_EQ(a.finished.reason, "eos") << what << ": " << a.finished.error << c.forced.opening << text;
    EXPECT_EQ(a.finished.eos_token, -1);
    const auto parsed = parse_tool_calls(c.forced.opening + text, c.style);
    ASSERT_EQ(parsed.calls.size(), 1u) << what << ": " << c.forced.opening << text;
    if (c.forced.opening.find("search") != std::string::npos) {
      EXPECT_EQ(parsed.calls[0].name, "search");
    }
    EXPECT_EQ(a.tokens, alone(c.alone)) << what;
  }
}

}  // namespace
}  // namespace llmcp::serve
