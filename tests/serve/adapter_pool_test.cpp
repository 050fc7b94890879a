// The adapter pool of a batch engine: at most N adapters loaded, the least recently used idle one
// evicted for a new one and read back from its folder with the same answers; an adapter in use is
// never evicted (a request for another one waits, gives up when stopped, fails when that adapter is
// removed meanwhile); a folder that cannot be read is an error that leaves the pool as it was.
#include "serve/adapter_pool.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <future>
#include <thread>

#include "core/error.h"
#include "model/loader.h"
#include "model/synthetic.h"
#include "peft/peft_io.h"
#include "peft/peft_model.h"
#include "test_util.h"

namespace llmcp::serve {
namespace {

using namespace std::chrono_literals;
using Names = std::vector<std::string>;

class AdapterPoolTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    model::SyntheticSpec spec;
    spec.seed = 5;
    model::create_synthetic_model(spec, *dir_ / "m");
    // Three adapter folders with deltas far from zero, so each changes the answers.
    auto decoder = model::load_decoder(*dir_ / "m");
    peft::PeftModel peft(*decoder);
    for (int i = 0; i < 3; ++i) {
      peft::LoraConfig c;
      c.r = 4;
      c.lora_alpha = 16;
      const std::string name = folder_name(i);
      peft.add_adapter(name, c, 40 + static_cast<uint64_t>(i));
      at::manual_seed(3 + i);
      for (auto& p : peft.parameters(name)) {
        at::NoGradGuard g;
        p.tensor->copy_(at::randn_like(*p.tensor) * 0.3);
      }
      peft::save_adapter(peft, name, *dir_ / name);
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string folder_name(int i) { return std::string(1, static_cast<char>('a' + i)); }
  static std::string folder(const std::string& name) { return (*dir_ / name).string(); }

  void SetUp() override {
    decoder_ = model::load_decoder(*dir_ / "m");
    peft_ = std::make_unique<peft::PeftModel>(*decoder_);
    engine_ = std::make_unique<BatchEngine>(*decoder_, *peft_, EngineOptions{int64_t{64} << 20, 16, 256, 8});
  }
  void TearDown() override {
    engine_.reset();
    peft_.reset();
    decoder_.reset();
  }
  // Greedy tokens for one prompt with `adapter` (the pool holding it while the request runs).
  std::vector<int64_t> answer(AdapterPool& pool, const std::string& adapter) {
    auto lease = pool.acquire(adapter, folder(adapter), nullptr);
    EXPECT_TRUE(lease.has_value());
    std::promise<std::vector<int64_t>> done;
    auto tokens = std::make_shared<std::vector<int64_t>>();
    Request r;
    r.prompt = {5, 17, 29, 41, 53, 65};
    r.max_new_tokens = 8;
    r.adapter = adapter;
    r.on_token = [tokens](const TokenEvent& e) {
      tokens->push_back(e.token);
      return true;
    };
    r.on_finish = [&done, tokens](const Finished& f) {
      EXPECT_TRUE(f.reason == "length" || f.reason == "eos") << f.reason << " " << f.error;
      done.set_value(*tokens);
    };
    engine_->submit(std::move(r));
    return done.get_future().get();
  }

  static testing::TempDir* dir_;
  std::unique_ptr<model::Decoder> decoder_;
  std::unique_ptr<peft::PeftModel> peft_;
  std::unique_ptr<BatchEngine> engine_;
};
testing::TempDir* AdapterPoolTest::dir_ = nullptr;

TEST_F(AdapterPoolTest, EvictsTheLeastRecentlyUsedAndReadsItBackWithTheSameAnswers) {
  AdapterPool pool(*engine_, 2);
  const auto a = answer(pool, "a");
  const auto b = answer(pool, "b");
  EXPECT_NE(a, b);
  EXPECT_EQ(pool.loaded(), (Names{"a", "b"}));
  EXPECT_EQ(pool.evictions(), 0);
  const auto c = answer(pool, "c");  // full: a, the least recently used, goes
  EXPECT_EQ(pool.loaded(), (Names{"b", "c"}));
  EXPECT_EQ(pool.evictions(), 1);
  EXPECT_FALSE(pool.is_loaded("a"));
  EXPECT_EQ(answer(pool, "b"), b);  // b is now more recent than c
  EXPECT_EQ(answer(pool, "a"), a);  // read back from its folder: c goes
  EXPECT_EQ(pool.loaded(), (Names{"a", "b"}));
  EXPECT_EQ(pool.evictions(), 2);
  EXPECT_EQ(answer(pool, "c"), c);
  EXPECT_GT(pool.loaded_bytes(), 0);
  // Evicted adapters are out of the PEFT model, not just out of the list.
  EXPECT_EQ(peft_->adapter_names().size(), 2u);
}

TEST_F(AdapterPoolTest, WithoutALimitEveryAdapterStaysLoaded) {
  AdapterPool pool(*engine_, 0);
  for (const char* n : {"a", "b", "c"}) pool.acquire(n, folder(n), nullptr);
  EXPECT_EQ(pool.loaded().size(), 3u);
  EXPECT_EQ(pool.evictions(), 0);
}

TEST_F(AdapterPoolTest, AnAdapterInUseIsNeverEvictedARequestForAnotherWaits) {
  AdapterPool pool(*engine_, 1);
  std::optional<AdapterPool::Lease> held = pool.acquire("a", folder("a"), nullptr);
  ASSERT_TRUE(held);
  auto waiting = std::async(std::launch::async, [&] { return pool.acquire("b", folder("b"), nullptr).has_value(); });
  EXPECT_EQ(waiting.wait_for(300ms), std::future_status::timeout);
  EXPECT_EQ(pool.loaded(), (Names{"a"}));
  // More users of the loaded adapter are served at once.
  EXPECT_TRUE(pool.acquire("a", folder("a"), nullptr).has_value());
  held.reset();  // a is idle: b's request gets its place
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(waiting.get());
  EXPECT_EQ(pool.loaded(), (Names{"b"}));
  EXPECT_EQ(pool.evictions(), 1);
}

TEST_F(AdapterPoolTest, AStoppedRequestGivesUpWaiting) {
  AdapterPool pool(*engine_, 1);
  auto held = pool.acquire("a", folder("a"), nullptr);
  std::atomic<bool> stop{false};
  auto waiting = std::async(std::launch::async, [&] { return pool.acquire("b", folder("b"), &stop).has_value(); });
  EXPECT_EQ(waiting.wait_for(200ms), std::future_status::timeout);
  stop = true;
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(waiting.get());
  EXPECT_EQ(pool.loaded(), (Names{"a"}));
  EXPECT_EQ(pool.evictions(), 0);
}

TEST_F(AdapterPoolTest, ARequestWaitingForAnAdapterThatIsRemovedFails) {
  AdapterPool pool(*engine_, 1);
  auto held = pool.acquire("a", folder("a"), nullptr);
  auto waiting = std::async(std::launch::async, [&] { return pool.acquire("b", folder("b"), nullptr); });
  EXPECT_EQ(waiting.wait_for(200ms), std::future_status::timeout);
  pool.remove("b");
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  EXPECT_THROW(waiting.get(), core::Error);
  held.reset();
  EXPECT_EQ(pool.loaded(), (Names{"a"}));  // b was not loaded behind the caller's back
}

TEST_F(AdapterPoolTest, AFolderThatCannotBeReadLeavesThePoolAsItWas) {
  AdapterPool pool(*engine_, 2);
  const auto a = answer(pool, "a");
  try {
    pool.acquire("gone", (*dir_ / "missing").string(), nullptr);
    FAIL() << "a missing folder was accepted";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
  EXPECT_EQ(pool.loaded(), (Names{"a"}));
  EXPECT_FALSE(pool.is_loaded("gone"));
  EXPECT_EQ(answer(pool, "a"), a);
}

TEST_F(AdapterPoolTest, RemovedWhileInUseThenLoadedAgainCountsItsUsersAfresh) {
  AdapterPool pool(*engine_, 1);
  const auto a = answer(pool, "a");
  {
    auto old = pool.acquire("a", folder("a"), nullptr);
    pool.remove("a");  // the old lease's release must not count against the new entry
    EXPECT_TRUE(pool.loaded().empty());
    auto fresh = pool.load("a", folder("a"));
    EXPECT_EQ(pool.loaded(), (Names{"a"}));
  }
  // Idle now, so a request for b evicts it at once instead of waiting.
  auto b = std::async(std::launch::async, [&] { return pool.acquire("b", folder("b"), nullptr).has_value(); });
  ASSERT_EQ(b.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(pool.loaded(), (Names{"b"}));
  EXPECT_EQ(answer(pool, "a"), a);
}

}  // namespace
}  // namespace llmcp::serve
