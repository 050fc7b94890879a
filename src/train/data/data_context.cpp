// Records -> (ids, mask). Conversations go through the model's chat template and the training
// view (ids of the whole rendered text, mask over assistant turns); text is tokenized as is;
// instruction pairs use the chat template when the model has one, else the Alpaca prompt.
#include <algorithm>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/hf_config.h"
#include "model/arch_registry.h"
#include "tokenizer/chat/jinja.h"
#include "tokenizer/chat/template_source.h"
#include "tokenizer/chat/tool_calls.h"
#include "tokenizer/chat/training_view.h"
#include "train/data/conversation.h"
#include "train/data/dataset.h"
#include "train/data/record_format.h"


namespace llmcp::data {
namespace {

namespace fs = std::filesystem;
namespace chat = tokenizer::chat;
using nlohmann::ordered_json;
using chat::JinjaTemplate;

constexpr const char* kToolTemplateHint =
    "use a template with tool support, e.g. the built-in llama-3.1 or mistral-v3-tools (the training config's "
    "chat_template, the template argument of the MCP tools, --template on the command line), or a chat_template.jinja "
    "file";

std::string builtin_names() { return chat::builtin_template_list(); }

// The one rule for template names (chat::choose_chat_template), with what the model's family picks.
chat::TemplateChoice choose_template(const fs::path& dir, const std::string& name, const tokenizer::Tokenizer& tok) {
  return chat::choose_chat_template(dir, name, model_family_of(dir, tok), tok);
}

std::shared_ptr<const JinjaTemplate> parse_template(const std::string& source, const std::string& origin) {
  try {
    return std::make_shared<const JinjaTemplate>(JinjaTemplate::parse(source));
  } catch (const core::Error& e) {
    LLMCP_FAIL(kMalformedFile, "the chat template from ", origin, " does not parse: ", e.what());
  }
}

// Index of the first target token that is predicted (index >= 1), or mask.size() when none.
size_t first_target(const std::vector<uint8_t>& mask) {
  for (size_t i = 1; i < mask.size(); ++i)
    if (mask[i]) return i;
  return mask.size();
}

std::string no_target_reason(const ordered_json& r, DataFormat f) {
  switch (f) {
    case DataFormat::kText: return "the text gives fewer than 2 tokens: nothing to predict";
    case DataFormat::kInstruction: return "the rendered \"output\" has no token to learn from";
    case DataFormat::kChat: {
      for (const auto& m : r["messages"])
        if (m.value("role", "") == "assistant") return "the assistant turns render no token to learn from";
      return "no assistant message: the chat format learns the assistant turns, so a conversation needs at least one";
    }
    case DataFormat::kToolCalls: return "the assistant turn renders no token to learn from";
  }
  return "";
}

}  // namespace

DataContext::DataContext(tokenizer::Tokenizer tok, DataOptions options) : tok_(std::move(tok)), options_(std::move(options)) {}
DataContext::~DataContext() = default;
DataContext::DataContext(DataContext&&) noexcept = default;
DataContext& DataContext::operator=(DataContext&&) noexcept = default;

DataContext DataContext::from_model_dir(const fs::path& dir, DataOptions options) {
  LLMCP_CHECK(fs::is_directory(dir), kNotFound, "model folder '", dir.string(), "' does not exist");
  LLMCP_CHECK(options.max_seq_len >= 0, kInvalidArgument, "max_seq_len must be >= 0 (0: no limit), got ",
              options.max_seq_len);
  DataContext ctx(tokenizer::Tokenizer::from_dir(dir), std::move(options));
  ctx.special_ = chat::special_tokens_of(ctx.tok_);
  const chat::TemplateChoice t = choose_template(dir, ctx.options_.template_name, ctx.tok_);
  if (t.source.empty()) return ctx;  // text and instruction (Alpaca) data still work
  ctx.template_origin_ = t.origin;
  ctx.chat_ = parse_template(t.source, t.origin);
  ctx.tools_chat_ = t.tools_source == t.source ? ctx.chat_ : parse_template(t.tools_source, t.origin);
  if (auto style = chat::detect_tool_call_style(t.tools_source)) ctx.tool_style_ = chat::style_name(*style);
  return ctx;
}

std::optional<DataFormat> DataContext::detect(const ordered_json& record) { return detect_format(record); }

Example DataContext::text(const std::string& text) const {
  LLMCP_CHECK(!text.empty(), kInvalidArgument, "\"text\" is empty");
  Example e;
  e.ids = tok_.encode(text, /*add_special_tokens=*/true);
  const auto eos = tok_.special().eos;
  if (eos && (e.ids.empty() || e.ids.back() != *eos)) e.ids.push_back(*eos);
  e.mask.assign(e.ids.size(), 1);
  return e;
}

Example DataContext::alpaca(const std::string& instruction, const std::string& input, const std::string& output) const {
  const std::string prompt =
      input.empty() ? "Below is an instruction that describes a task. Write a response that appropriately completes "
                      "the request.\n\n### Instruction:\n" + instruction + "\n\n### Response:\n"
                    : "Below is an instruction that describes a task, paired with an input that provides further "
                      "context. Write a response that appropriately completes the request.\n\n### Instruction:\n" +
                          instruction + "\n\n### Input:\n" + input + "\n\n### Response:\n";
  const std::string full = prompt + output;
  tokenizer::Encoding enc = tok_.encode_with_spans(full, /*add_special_tokens=*/true);
  Example e;
  e.ids = std::move(enc.ids);
  // A token is a target when it starts inside the response; special tokens the tokenizer added
  // (empty spans) are not, except an EOS at the end.
  for (const auto& s : enc.spans) e.mask.push_back(s.end > s.begin && s.begin >= prompt.size() ? 1 : 0);
  const auto eos = tok_.special().eos;
  if (eos && !e.ids.empty() && e.ids.back() == *eos && enc.spans.back().begin == enc.spans.back().end) {
    e.mask.back() = 1;
  } else if (eos) {
    e.ids.push_back(*eos);
    e.mask.push_back(1);
  }
  return e;
}

Example DataContext::render(const ordered_json& messages, const ordered_json& tools) const {
  LLMCP_CHECK(chat_ != nullptr, kNotFound,
              "the model has no chat template, which chat and tool_calls data need: add a chat_template.jinja to the "
              "model folder, choose one (a .jinja file or a built-in name: ", builtin_names(),
              "; the training config's chat_template, the MCP tools' template, --template on the command line), or "
              "use text or instruction data");
  chat::ChatRequest req;
  req.messages = messages;
  req.tools = tools;
  const std::vector<std::string> calls = called_functions(messages);
  chat::TrainingView view;
  try {
    view = chat::training_view(tools.is_null() ? *chat_ : *tools_chat_, tok_, req, special_);
  } catch (const core::Error& e) {
    if (calls.empty()) LLMCP_FAIL(kInvalidArgument, "the chat template (", template_origin_, ") failed: ", e.what());
    LLMCP_FAIL(kUnsupported, "the chat template (", template_origin_, ") could not render this record's tool calls: ",
               e.what(), "; if it has no tool support, ", kToolTemplateHint);
  }
  // A template without tool support may drop the calls silently: the assistant turn must show them.
  for (const auto& name : calls) {
    const bool shown = std::any_of(view.trained_spans.begin(), view.trained_spans.end(), [&](const auto& span) {
      return view.text.substr(span.first, span.second - span.first).find(name) != std::string::npos;
    });
    LLMCP_CHECK(shown, kUnsupported, "the chat template (", template_origin_,
                ") does not render tool calls: the assistant turn has no '", name, "'; ", kToolTemplateHint);
  }
  return {std::move(view.ids), std::move(view.mask), 0};
}

Example DataContext::encode_record(const ordered_json& r, DataFormat f) const {
  LLMCP_CHECK(r.is_object(), kInvalidArgument, "expected a JSON object, got ", r.type_name());
  Example e;
  if (f == DataFormat::kText) {
    LLMCP_CHECK(r.contains("text"), kInvalidArgument, "missing \"text\"");
    LLMCP_CHECK(r["text"].is_string(), kInvalidArgument, "\"text\" must be a string, got ", r["text"].type_name(), " ",
                short_dump(r["text"], 40));
    e = text(r["text"].get_ref<const std::string&>());
  } else {
    Conversation c = conversation_of(r, f);  // checks every field
    if (f == DataFormat::kInstruction && chat_ == nullptr) {
      const auto input = r.contains("input") && r["input"].is_string() ? r["input"].get<std::string>() : std::string();
      e = alpaca(r["instruction"].get<std::string>(), input, r["output"].get<std::string>());
    } else {
      e = render(c.messages, c.tools);
    }
  }
  if (options_.train_on_all) std::fill(e.mask.begin(), e.mask.end(), 1);
  LLMCP_CHECK(first_target(e.mask) < e.mask.size(), kInvalidArgument, no_target_reason(r, f));
  return e;
}

tokenizer::chat::ModelFamily model_family_of(const std::filesystem::path& model_dir, const tokenizer::Tokenizer& tok) {
  tokenizer::chat::ModelFamily family;
  family.architecture =
      std::filesystem::exists(model_dir / "config.json") ? io::HfConfig::load(model_dir).architecture() : "";
  family.builtin_template = model::family_chat_template(
      family.architecture, [&](std::string_view t) { return tok.token_to_id(t).has_value(); });
  return family;
}

}  // namespace llmcp::data
