// Training data from JSONL files: plain text, instruction pairs, chat transcripts (OpenAI shape,
// tool calls included) and the seed's tool-calling records, turned into token ids plus a loss
// mask over the completions. Each bad line is reported with its number and reason; nothing is
// dropped silently. Torch-free, so the MCP server can validate datasets without loading a model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/chat/template_source.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer::chat {
class JinjaTemplate;
}

namespace llmcp::data {

enum class DataFormat { kText, kInstruction, kChat, kToolCalls };
const char* format_name(DataFormat f);  // "text" | "instruction" | "chat" | "tool_calls"

struct Example {
  std::vector<int32_t> ids;
  std::vector<uint8_t> mask;  // 1: ids[i] is a training target (predicted from ids[i-1])
  int64_t line = 0;           // 1-based line of the source file (0 outside a file)
};

struct LineError {
  int64_t line;
  std::string reason;
};

struct DataOptions {
  bool train_on_all = false;  // false: loss on completions (assistant turns, outputs) only
  int64_t max_seq_len = 0;    // 0: no truncation
  // "" = the model's template (or the built-in one for its architecture); else one of the model's
  // named templates, a built-in name (llama-2, llama-3.1, mistral-v0.1, mistral-v3-tools, falcon,
  // chatml) or the path of a .jinja file.
  std::string template_name;
};

struct Dataset {
  std::string path;
  DataFormat format = DataFormat::kText;
  std::vector<Example> examples;
  // lines == used + skipped + blank; truncated counts used examples cut to max_seq_len.
  int64_t lines = 0, used = 0, skipped = 0, blank = 0, truncated = 0;
  std::vector<LineError> errors;                // one per skipped line, in file order
  std::map<std::string, int64_t> ignored_keys;  // keys the format does not use, with counts
};

class DataContext {
 public:
  // Tokenizer and chat template of a model folder (a folder with only tokenizer files works:
  // text and instruction data need no template).
  static DataContext from_model_dir(const std::filesystem::path& dir, DataOptions options = {});
  ~DataContext();
  DataContext(DataContext&&) noexcept;
  DataContext& operator=(DataContext&&) noexcept;

  // Streams the file line by line. Throws only when the file as a whole is unusable (missing,
  // empty, or no usable line at all, in which case the message lists the first line errors).
  Dataset load(const std::filesystem::path& jsonl) const;
  // One record; throws core::Error with the reason when it cannot be used. No truncation.
  Example encode_record(const nlohmann::ordered_json& record, DataFormat format) const;
  // The format a record has, by its keys (messages > tool_calls+input > instruction > text).
  static std::optional<DataFormat> detect(const nlohmann::ordered_json& record);

  // For tool-call evaluation: the prompt of a record whose answer is a tool call (the
  // conversation before that assistant turn, with the generation prompt) and the calls expected
  // ([{"name", "arguments"}]). nullopt for records without tool calls.
  struct ToolCallCase {
    std::vector<int32_t> prompt;
    nlohmann::ordered_json expected;
  };
  std::optional<ToolCallCase> tool_call_case(const nlohmann::ordered_json& record, DataFormat format) const;
  // How the template writes tool calls (for parsing generated text); empty when unknown.
  std::string tool_call_style() const { return tool_style_; }

  const tokenizer::Tokenizer& tokenizer() const { return tok_; }
  bool has_chat_template() const { return chat_ != nullptr; }
  // Where the chat template came from: a file, "built-in <name>", or "" without one.
  const std::string& chat_template_origin() const { return template_origin_; }

 private:
  DataContext(tokenizer::Tokenizer tok, DataOptions options);
  Example render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools) const;
  Example alpaca(const std::string& instruction, const std::string& input, const std::string& output) const;
  Example text(const std::string& text) const;

  tokenizer::Tokenizer tok_;
  DataOptions options_;
  std::shared_ptr<const tokenizer::chat::JinjaTemplate> chat_, tools_chat_;  // without / with tools
  nlohmann::ordered_json special_;
  std::string tool_style_, template_origin_;
};

// {"path","format","lines","used","skipped","blank","truncated","errors":[{line,reason}] (first 20),
//  "tokens":{"total","targets","min","max","mean","p50","p95"},"ignored_keys"}
nlohmann::ordered_json summary_json(const Dataset& ds);

// config.json's architecture in `model_dir` ("" without one) and the built-in chat template its
// family picks for `tok`'s vocabulary (model/arch/<family>.cpp): what every template lookup passes.
tokenizer::chat::ModelFamily model_family_of(const std::filesystem::path& model_dir, const tokenizer::Tokenizer& tok);

}  // namespace llmcp::data
