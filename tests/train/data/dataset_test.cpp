// JSONL datasets: the seed's tool-calling records and chat records through a real chat template
// (Mistral-7B-Instruct-v0.3's, with its real tokenizer) train only on the assistant's tool call;
// instruction pairs fall back to the Alpaca prompt when a model has no template; every bad line
// is reported with its number; counts always add up; batching is deterministic and complete.
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <set>

#include "core/error.h"
#include "model/synthetic.h"
#include "test_util.h"
#include "train/data/batching.h"
#include "train/data/dataset.h"

namespace llmcp::data {
namespace {

const std::filesystem::path kMistral =
    llmcp::testing::source_dir() / "tests/fixtures/hf-files/mistralai--Mistral-7B-Instruct-v0.3";

std::string masked_text(const DataContext& ctx, const Example& e, bool masked) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < e.ids.size(); ++i)
    if ((e.mask[i] != 0) == masked) ids.push_back(e.ids[i]);
  return ctx.tokenizer().decode(ids);
}

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(DatasetTest, ToolCallRecordsTrainOnlyOnTheCall) {
  llmcp::testing::TempDir dir;
  write(dir / "t.jsonl",
        R"({"input": "What's the weather in Tokyo?", "output": "", "tool_calls": [{"name": "get_weather", "arguments": {"location": "Tokyo", "unit": "celsius"}}]})"
        "\n");
  // This revision's tokenizer_config.json template drops tool calls: the line is refused, saying why.
  try {
    DataContext::from_model_dir(kMistral).load(dir / "t.jsonl");
    ADD_FAILURE() << "a template without tool calls must not yield a training example";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not render tool calls"), std::string::npos) << e.what();
  }
  DataOptions o;
  o.template_name = (llmcp::testing::source_dir() / "src/tokenizer/chat/templates/mistral-v3-tools.jinja").string();
  auto ctx = DataContext::from_model_dir(kMistral, o);
  auto ds = ctx.load(dir / "t.jsonl");
  ASSERT_EQ(ds.used, 1) << (ds.errors.empty() ? "" : ds.errors[0].reason);
  EXPECT_EQ(ds.format, DataFormat::kToolCalls);
  const auto trained = masked_text(ctx, ds.examples[0], true), prompt = masked_text(ctx, ds.examples[0], false);
  EXPECT_NE(trained.find("\"name\": \"get_weather\""), std::string::npos) << trained;
  EXPECT_NE(trained.find("\"location\": \"Tokyo\""), std::string::npos) << trained;
  EXPECT_EQ(trained.find("What's the weather"), std::string::npos) << trained;
  EXPECT_NE(prompt.find("What's the weather in Tokyo?"), std::string::npos) << prompt;
  EXPECT_EQ(ctx.tool_call_style(), "mistral");
  auto tc = ctx.tool_call_case(nlohmann::ordered_json::parse(
                                   R"({"input": "Weather in Oslo?", "tool_calls": [{"name": "w", "arguments": "{\"a\": 1}"}]})"),
                               DataFormat::kToolCalls);
  ASSERT_TRUE(tc.has_value());
  EXPECT_EQ(tc->expected[0]["arguments"]["a"], 1);
  EXPECT_NE(ctx.tokenizer().decode(tc->prompt).find("Weather in Oslo?"), std::string::npos);
}

TEST(DatasetTest, ChatRecordsMaskAssistantTurns) {
  llmcp::testing::TempDir dir;
  write(dir / "c.jsonl",
        R"({"messages": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Hello there"}, {"role": "user", "content": "Again"}, {"role": "assistant", "content": "Hello again"}], "meta": 1})"
        "\n");
  auto ctx = DataContext::from_model_dir(kMistral);
  auto ds = ctx.load(dir / "c.jsonl");
  ASSERT_EQ(ds.used, 1);
  const auto trained = masked_text(ctx, ds.examples[0], true);
  EXPECT_NE(trained.find("Hello there"), std::string::npos);
  EXPECT_NE(trained.find("Hello again"), std::string::npos);
  EXPECT_EQ(trained.find("Say hi"), std::string::npos);
  EXPECT_EQ(ds.ignored_keys.at("meta"), 1);
}

class SyntheticModelTest : public ::testing::Test {
 protected:
  void SetUp() override { model::create_synthetic_model({}, dir_ / "m"); }
  llmcp::testing::TempDir dir_;
};

TEST_F(SyntheticModelTest, InstructionFallsBackToAlpacaWithoutTemplate) {
  write(dir_ / "i.jsonl", R"({"instruction": "Add the numbers", "input": "2 and 3", "output": "The sum is 5."})" "\n");
  // The synthetic Llama has no template of its own and no Llama special tokens: the built-in
  // Llama-2 template applies, so force the Alpaca path with a folder holding only the tokenizer.
  std::filesystem::create_directories(dir_ / "tok");
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) std::filesystem::copy(dir_ / "m" / f, dir_ / "tok" / f);
  auto ctx = DataContext::from_model_dir(dir_ / "tok");
  ASSERT_FALSE(ctx.has_chat_template());
  auto ds = ctx.load(dir_ / "i.jsonl");
  ASSERT_EQ(ds.used, 1);
  EXPECT_EQ(masked_text(ctx, ds.examples[0], true), "The sum is 5.</s>");
  EXPECT_NE(masked_text(ctx, ds.examples[0], false).find("### Input:\n2 and 3\n\n### Response:\n"), std::string::npos);
}

TEST_F(SyntheticModelTest, BadLinesAreReportedWithTheirNumbers) {
  write(dir_ / "d.jsonl",
        "{\"text\": \"hello world\"}\n"
        "\n"
        "{\"text\": 5}\n"
        "not json\n"
        "{\"instruction\": \"x\", \"output\": \"y\"}\n"
        "[1, 2]\n"
        "{\"text\": \"\\ud800\"}\n"
        "{\"text\": \"fine again\"}\n");
  auto ctx = DataContext::from_model_dir(dir_ / "m");
  auto ds = ctx.load(dir_ / "d.jsonl");
  EXPECT_EQ(ds.lines, 8);
  EXPECT_EQ(ds.used, 2);
  EXPECT_EQ(ds.blank, 1);
  EXPECT_EQ(ds.skipped, 5);
  EXPECT_EQ(ds.lines, ds.used + ds.skipped + ds.blank);
  std::map<int64_t, std::string> errors;
  for (const auto& e : ds.errors) errors[e.line] = e.reason;
  EXPECT_NE(errors[3].find("must be a string"), std::string::npos) << errors[3];
  EXPECT_NE(errors[4].find("not valid JSON"), std::string::npos) << errors[4];
  EXPECT_NE(errors[5].find("detected from line 1"), std::string::npos) << errors[5];
  EXPECT_NE(errors[6].find("expected a JSON object"), std::string::npos) << errors[6];
  EXPECT_TRUE(errors.count(7)) << "a lone surrogate is not valid text";
  auto summary = summary_json(ds);
  EXPECT_EQ(summary["skipped"], 5);
  EXPECT_EQ(summary["errors"].size(), 5u);

  write(dir_ / "bad.jsonl", "nope\n{\"foo\": 1}\n");
  EXPECT_THROW(ctx.load(dir_ / "bad.jsonl"), core::Error);
  EXPECT_THROW(ctx.load(dir_ / "missing.jsonl"), core::Error);
}

TEST_F(SyntheticModelTest, TruncationIsCountedAndNeverLeavesNoTarget) {
  write(dir_ / "t.jsonl", R"({"text": "one two three four five six seven eight nine ten"})" "\n");
  write(dir_ / "i.jsonl", R"({"instruction": "a long instruction before any answer appears", "output": "answer"})" "\n");
  DataOptions o;
  o.max_seq_len = 6;
  std::filesystem::create_directories(dir_ / "tok");
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) std::filesystem::copy(dir_ / "m" / f, dir_ / "tok" / f);
  auto ctx = DataContext::from_model_dir(dir_ / "tok", o);
  auto ds = ctx.load(dir_ / "t.jsonl");
  EXPECT_EQ(ds.truncated, 1);
  ASSERT_EQ(ds.used, 1);
  EXPECT_EQ(ds.examples[0].ids.size(), 6u);
  try {
    ctx.load(dir_ / "i.jsonl");
    ADD_FAILURE() << "an instruction whose answer starts after seq_len leaves nothing to learn";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("raise seq_len"), std::string::npos) << e.what();
  }
}

TEST(BatchingTest, DeterministicCompleteAndLengthGrouped) {
  std::vector<Example> ex;
  for (int i = 0; i < 500; ++i) ex.push_back({std::vector<int32_t>(static_cast<size_t>(1 + (i * 37) % 97), 1), {}, i});
  std::vector<size_t> idx(ex.size());
  std::iota(idx.begin(), idx.end(), 0);
  auto a = length_bucketed_batches(ex, idx, 8, 1, true), b = length_bucketed_batches(ex, idx, 8, 1, true);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, length_bucketed_batches(ex, idx, 8, 2, true));
  std::multiset<size_t> seen;
  double spread = 0;
  for (const auto& batch : a) {
    size_t lo = SIZE_MAX, hi = 0;
    for (size_t i : batch) {
      seen.insert(i);
      lo = std::min(lo, ex[i].ids.size());
      hi = std::max(hi, ex[i].ids.size());
    }
    spread += static_cast<double>(hi - lo);
  }
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_EQ(std::set<size_t>(seen.begin(), seen.end()).size(), 500u);
  EXPECT_LT(spread / static_cast<double>(a.size()), 10.0);  // random batches of 8 spread ~75 tokens

  auto s = split_train_eval(100, 0.1, 4);
  EXPECT_EQ(s.eval.size(), 10u);
  EXPECT_EQ(s.train.size(), 90u);
  std::vector<size_t> all = s.train;
  all.insert(all.end(), s.eval.begin(), s.eval.end());
  EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 100u);
  EXPECT_EQ(split_train_eval(100, 0.1, 4).eval, s.eval);

  auto rows = pack_examples(ex, idx, 128);
  size_t tokens = 0;
  for (const auto& r : rows) {
    EXPECT_LE(r.ids.size(), 128u);
    tokens += r.ids.size();
    for (size_t t = 1; t < r.segment.size(); ++t) EXPECT_TRUE(r.segment[t] == r.segment[t - 1] || r.segment[t] == r.segment[t - 1] + 1);
  }
  size_t expected = 0;
  for (const auto& e : ex) expected += e.ids.size();
  EXPECT_EQ(tokens, expected);
  EXPECT_THROW(pack_examples(ex, idx, 50), core::Error);
}

}  // namespace
}  // namespace llmcp::data
