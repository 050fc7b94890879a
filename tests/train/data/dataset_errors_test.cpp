// Every way a dataset line can be wrong gives an error with its line number and a reason that
// says what to fix; counts always add up (lines == used + skipped + blank); only an unusable file
// (missing, empty, no good line) throws. Also: truncation, templates chosen by name, tool support.
#include <gtest/gtest.h>

#include <functional>

#include "core/error.h"
#include "data_test_util.h"
#include "train/data/dataset.h"

namespace llmcp::data {
namespace {

using nlohmann::ordered_json;
using namespace llmcp::data::testing;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::map<int64_t, std::string> errors_by_line(const Dataset& ds) {
  std::map<int64_t, std::string> m;
  for (const auto& e : ds.errors) m[e.line] = e.reason;
  return m;
}

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(DatasetErrorsTest, EveryBadLineIsReportedAndCountsAddUp) {
  llmcp::testing::TempDir dir;
  write_file(dir / "d.jsonl",
             "\xEF\xBB\xBF{\"text\": \"hello world\", \"meta\": 1}\r\n"  // 1 BOM and CRLF: fine
             "\n"                                                        // 2 blank
             "{\"text\": 5}\n"                                           // 3 wrong type
             "not json\n"                                                // 4
             "{\"instruction\": \"x\", \"output\": \"y\"}\n"             // 5 another format
             "[1, 2]\n"                                                  // 6 not an object
             "{\"text\": \"caf\xC3\"}\n"                                 // 7 broken UTF-8
             "{\"text\": \"\\ud800\"}\n"                                 // 8 lone surrogate
             "{\"text\": \"\"}\n"                                        // 9 empty
             "   \t \n"                                                  // 10 blank
             "{\"foo\": 1}\n"                                            // 11 no text
             "{\"text\": \"fine again\", \"meta\": 2, \"id\": 3}");     // 12, no final newline
  llmcp::testing::TempDir tok_dir;
  const DataContext ctx = DataContext::from_model_dir(llama2_tokenizer_only(tok_dir));
  const Dataset ds = ctx.load(dir / "d.jsonl");
  EXPECT_EQ(ds.format, DataFormat::kText);
  EXPECT_EQ(ds.lines, 12);
  EXPECT_EQ(ds.used, 2);
  EXPECT_EQ(ds.blank, 2);
  EXPECT_EQ(ds.skipped, 8);
  EXPECT_EQ(ds.lines, ds.used + ds.skipped + ds.blank);
  ASSERT_EQ(ds.examples.size(), 2u);
  EXPECT_EQ(ds.examples[0].line, 1);
  EXPECT_EQ(ds.examples[1].line, 12);
  EXPECT_EQ(ds.examples[0].ids, [&] {
    auto ids = ctx.tokenizer().encode("hello world", true);
    ids.push_back(*ctx.tokenizer().special().eos);
    return ids;
  }()) << "the BOM and the CR are not part of the record";
  auto errors = errors_by_line(ds);
  EXPECT_EQ(errors.size(), 8u);
  EXPECT_EQ(errors[3], "\"text\" must be a string, got number 5");
  EXPECT_EQ(errors[4], "not valid JSON at byte 2: syntax error while parsing value - invalid literal; last read: 'no'");
  EXPECT_EQ(errors[5], "expected the text format's \"text\" (detected from line 1); got keys instruction, output, "
                       "which is the instruction format: one file holds one format");
  EXPECT_EQ(errors[6], "expected a JSON object, got array");
  EXPECT_EQ(errors[7], "not valid UTF-8 at byte 14 of the line: save the file as UTF-8");
  EXPECT_HAS(errors[8], "not valid JSON");
  EXPECT_HAS(errors[8], "surrogate");
  EXPECT_EQ(errors[9], "\"text\" is empty");
  EXPECT_EQ(errors[11], "expected the text format's \"text\" (detected from line 1); got keys foo");
  EXPECT_EQ(ds.ignored_keys, (std::map<std::string, int64_t>{{"id", 1}, {"meta", 2}}));

  const ordered_json s = summary_json(ds);
  EXPECT_EQ(s["format"], "text");
  EXPECT_EQ(s["lines"], 12);
  EXPECT_EQ(s["used"], 2);
  EXPECT_EQ(s["skipped"], 8);
  EXPECT_EQ(s["errors"].size(), 8u);
  EXPECT_EQ(s["errors"][0], (ordered_json{{"line", 3}, {"reason", errors[3]}}));
  EXPECT_EQ(s["ignored_keys"]["meta"], 2);
  const int64_t total = static_cast<int64_t>(ds.examples[0].ids.size() + ds.examples[1].ids.size());
  EXPECT_EQ(s["tokens"]["total"], total);
  EXPECT_EQ(s["tokens"]["targets"], total - 2) << "every token but each first one is predicted";
  EXPECT_EQ(s["tokens"]["min"], static_cast<int64_t>(ds.examples[0].ids.size()));
  EXPECT_EQ(s["tokens"]["max"], static_cast<int64_t>(ds.examples[1].ids.size()));
}

TEST(DatasetErrorsTest, UnusableFilesThrowWithTheFirstErrors) {
  llmcp::testing::TempDir dir, tok_dir;
  const DataContext ctx = DataContext::from_model_dir(llama2_tokenizer_only(tok_dir));
  EXPECT_HAS(error_of([&] { ctx.load(dir / "missing.jsonl"); }), "does not exist");
  EXPECT_HAS(error_of([&] { ctx.load(dir.path()); }), "is a folder");
  write_file(dir / "empty.jsonl", "");
  EXPECT_HAS(error_of([&] { ctx.load(dir / "empty.jsonl"); }), "is empty");
  write_file(dir / "blank.jsonl", "\n  \n\n");
  EXPECT_HAS(error_of([&] { ctx.load(dir / "blank.jsonl"); }), "is empty");
  write_file(dir / "bad.jsonl", "nope\n{\"foo\": 1}\n{\"text\": 1}\n");
  const std::string msg = error_of([&] { ctx.load(dir / "bad.jsonl"); });
  EXPECT_HAS(msg, "has no usable line (3 lines, 3 skipped)");
  EXPECT_HAS(msg, "line 1: not valid JSON");
  EXPECT_HAS(msg, "line 2: no known format");
  EXPECT_HAS(msg, "line 3: \"text\" must be a string");
}

TEST(DatasetErrorsTest, LinesOver16MbAreSkippedNotRead) {
  llmcp::testing::TempDir dir, tok_dir;
  const DataContext ctx = DataContext::from_model_dir(llama2_tokenizer_only(tok_dir));
  write_file(dir / "big.jsonl", "{\"text\": \"" + std::string((16u << 20) + 10, 'a') + "\"}\n{\"text\": \"small\"}\n");
  const Dataset ds = ctx.load(dir / "big.jsonl");
  EXPECT_EQ(ds.lines, 2);
  EXPECT_EQ(ds.used, 1);
  ASSERT_EQ(ds.errors.size(), 1u);
  EXPECT_EQ(ds.errors[0].line, 1);
  EXPECT_HAS(ds.errors[0].reason, "longer than 16 MB");
}

TEST(DatasetErrorsTest, TruncationKeepsTheStart) {
  llmcp::testing::TempDir dir, tok_dir;
  DataOptions o;
  o.max_seq_len = 8;
  const DataContext ctx = DataContext::from_model_dir(llama2_tokenizer_only(tok_dir), o);
  write_file(dir / "t.jsonl", "{\"text\": \"one two three four five six seven eight nine ten\"}\n{\"text\": \"short\"}\n");
  const Dataset ds = ctx.load(dir / "t.jsonl");
  EXPECT_EQ(ds.truncated, 1);
  ASSERT_EQ(ds.used, 2);
  const auto full = ctx.tokenizer().encode("one two three four five six seven eight nine ten", true);
  EXPECT_EQ(ds.examples[0].ids, std::vector<int32_t>(full.begin(), full.begin() + 8));
  EXPECT_LT(ds.examples[1].ids.size(), 8u);
}

TEST(DatasetErrorsTest, CompletionBeyondSeqLenIsSkippedWithTheNumbers) {
  llmcp::testing::TempDir dir, tok_dir;
  const char* kLong = R"({"instruction": "a long instruction, many words before any answer appears", "output": "answer"})";
  const char* kShort = R"({"instruction": "x", "output": "y", "note": 1})";
  const DataContext unlimited = DataContext::from_model_dir(llama2_tokenizer_only(tok_dir));
  auto first_target = [&](const char* json) {
    const Example e = unlimited.encode_record(ordered_json::parse(json), DataFormat::kInstruction);
    return std::find(e.mask.begin(), e.mask.end(), 1) - e.mask.begin();
  };
  const auto long_first = first_target(kLong), short_first = first_target(kShort);
  ASSERT_GT(long_first, short_first + 1);
  DataOptions o;
  o.max_seq_len = short_first + 1;  // keeps the first target token only
  const DataContext ctx = DataContext::from_model_dir(llama2_tokenizer_only(tok_dir), o);
  write_file(dir / "i.jsonl", std::string(kLong) + "\n" + kShort + "\n");
  const Dataset ds = ctx.load(dir / "i.jsonl");
  EXPECT_EQ(ds.used, 1);
  EXPECT_EQ(ds.truncated, 1);
  ASSERT_EQ(ds.examples[0].ids.size(), static_cast<size_t>(o.max_seq_len));
  EXPECT_EQ(ds.examples[0].mask.back(), 1);
  ASSERT_EQ(ds.errors.size(), 1u);
  EXPECT_EQ(ds.errors[0].line, 1);
  EXPECT_EQ(ds.errors[0].reason, "the completion starts after token " + std::to_string(long_first) + " (seq_len " +
                                     std::to_string(o.max_seq_len) + "): raise seq_len");
  EXPECT_EQ(ds.ignored_keys.at("note"), 1);
}

TEST(DatasetErrorsTest, ChatRecordsAreCheckedFieldByField) {
  llmcp::testing::TempDir dir;
  const DataContext ctx = DataContext::from_model_dir(llama2());  // built-in Llama-2 template
  write_file(dir / "c.jsonl",
             R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], "id": 7})" "\n"
             R"({"messages": [{"role": "human", "content": "Hi"}]})" "\n"
             R"({"messages": [{"role": "user", "content": 5}]})" "\n"
             R"({"messages": [{"role": "user", "content": "Hi"}]})" "\n"
             R"({"messages": []})" "\n"
             R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "not json"}}]}]})" "\n"
             R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}], "tools": {"a": 1}})" "\n"
             R"({"text": "hello", "meta": 1})" "\n"
             R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}]})" "\n");
  const Dataset ds = ctx.load(dir / "c.jsonl");
  EXPECT_EQ(ds.format, DataFormat::kChat);
  EXPECT_EQ(ds.used, 1);
  auto errors = errors_by_line(ds);
  EXPECT_EQ(errors[2], "messages[0].role must be system, user, assistant or tool; got \"human\"");
  EXPECT_EQ(errors[3], "messages[0].content must be a string, got number 5");
  EXPECT_EQ(errors[4], "no assistant message: the chat format learns the assistant turns, so a conversation needs at least one");
  EXPECT_HAS(errors[5], "\"messages\" must be a non-empty list");
  EXPECT_EQ(errors[6], "messages[1].tool_calls[0]: \"arguments\" is a string that does not hold a JSON object: \"not json\"");
  EXPECT_HAS(errors[7], "\"tools\" must be a list of tool definitions");
  EXPECT_EQ(errors[8], "expected the chat format's \"messages\" (detected from line 1); got keys text, meta, which is "
                       "the text format: one file holds one format");
  EXPECT_HAS(errors[9], "Conversation roles must alternate") << "the template's own error comes through";
  EXPECT_EQ(ds.ignored_keys, (std::map<std::string, int64_t>{{"id", 1}}));
}

TEST(DatasetErrorsTest, ToolCallRecordsNeedATemplateWithToolSupport) {
  llmcp::testing::TempDir dir;
  write_file(dir / "t.jsonl",
             R"({"input": "Weather in Tokyo?", "output": "", "tool_calls": [{"name": "get_weather", "arguments": {"location": "Tokyo"}}]})" "\n");
  // The fixture's tokenizer_config.json holds Mistral v0.3's release-day template: no tool support.
  const std::string msg = error_of([&] { DataContext::from_model_dir(mistral_v3()).load(dir / "t.jsonl"); });
  EXPECT_HAS(msg, "line 1: the chat template (");
  EXPECT_HAS(msg, "does not render tool calls: the assistant turn has no 'get_weather'");
  EXPECT_HAS(msg, "the built-in llama-3.1 or mistral-v3-tools (the training config's chat_template, the template argument of the MCP tools, --template on the command line)");
  // Llama-3.1's template raises for two calls in one turn: the error carries its message and the hint.
  DataOptions o;
  o.template_name = "llama-3.1";
  const DataContext llama = DataContext::from_model_dir(mistral_v3(), o);
  EXPECT_EQ(llama.chat_template_origin(), "built-in llama-3.1");
  const std::string two = error_of([&] {
    llama.encode_record(ordered_json::parse(R"({"input": "x", "tool_calls": [{"name": "a"}, {"name": "b"}]})"),
                        DataFormat::kToolCalls);
  });
  EXPECT_HAS(two, "could not render this record's tool calls");
  EXPECT_HAS(two, "only supports single tool-calls");
}

TEST(DatasetErrorsTest, ToolCallRecordsAreCheckedFieldByField) {
  llmcp::testing::TempDir dir;
  DataOptions o;
  o.template_name = mistral_v3_tools_template().string();
  const DataContext ctx = DataContext::from_model_dir(mistral_v3(), o);
  write_file(dir / "t.jsonl",
             R"({"input": "Weather?", "output": "", "tool_calls": [{"name": "get_weather", "arguments": {"location": "Oslo"}}]})" "\n"
             R"({"input": "Thanks!", "output": "You're welcome."})" "\n"  // a plain answer in a tool_calls file
             R"({"input": "x", "output": "", "tool_calls": [{"arguments": {}}]})" "\n"
             R"({"input": "x", "output": "", "tool_calls": [{"name": "f", "arguments": 3}]})" "\n"
             R"({"input": "x", "output": "", "tool_calls": []})" "\n"
             R"({"input": "", "tool_calls": [{"name": "f"}]})" "\n"
             R"({"input": "x", "tool_calls": {"name": "f"}})" "\n"
             R"({"output": "y"})" "\n");
  const Dataset ds = ctx.load(dir / "t.jsonl");
  EXPECT_EQ(ds.format, DataFormat::kToolCalls);
  EXPECT_EQ(ds.used, 2);
  auto errors = errors_by_line(ds);
  EXPECT_EQ(errors[3], "tool_calls[0]: missing \"name\" (a string)");
  EXPECT_EQ(errors[4], "tool_calls[0]: \"arguments\" must be a JSON object, got number 3");
  EXPECT_EQ(errors[5], "neither \"output\" nor \"tool_calls\": nothing to learn");
  EXPECT_EQ(errors[6], "\"input\" is empty");
  EXPECT_EQ(errors[7], "\"tool_calls\" must be a list of {\"name\", \"arguments\"}, got object {\"name\":\"f\"}");
  EXPECT_EQ(errors[8], "expected the tool_calls format's \"input\" and \"tool_calls\" (detected from line 1); got keys output");
}

TEST(DatasetErrorsTest, TemplatesByNameAndChatWithoutTemplate) {
  llmcp::testing::TempDir dir;
  DataOptions o;
  o.template_name = "no-such-template";
  const std::string unknown = error_of([&] { DataContext::from_model_dir(llama2(), o); });
  EXPECT_HAS(unknown, "no chat template named 'no-such-template': the model's are none; built-in ones: chatml, falcon, llama-2, llama-3.1, mistral-v0.1, mistral-v3-tools");
  o.template_name = (dir / "missing.jinja").string();
  EXPECT_HAS(error_of([&] { DataContext::from_model_dir(llama2(), o); }), "chat template file '");
  EXPECT_HAS(error_of([&] { DataContext::from_model_dir(dir / "nope"); }), "model folder");

  llmcp::testing::TempDir tok_dir;
  const DataContext bare = DataContext::from_model_dir(llama2_tokenizer_only(tok_dir));
  write_file(dir / "c.jsonl", R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]})" "\n");
  EXPECT_HAS(error_of([&] { bare.load(dir / "c.jsonl"); }), "the model has no chat template, which chat and tool_calls data need");
}

}  // namespace
}  // namespace llmcp::data
