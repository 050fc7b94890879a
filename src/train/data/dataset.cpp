// Records -> (ids, mask). Conversations go through the model's chat template and the training
// view (ids of the whole rendered text, mask over assistant turns); text is tokenized as is;
// instruction pairs use the chat template when the model has one, else the Alpaca prompt.
#include "train/data/dataset.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/hf_config.h"
#include "tokenizer/chat/chat_template.h"
#include "tokenizer/chat/jinja.h"
#include "tokenizer/chat/template_source.h"
#include "tokenizer/chat/tool_calls.h"
#include "tokenizer/chat/training_view.h"

namespace llmcp::data {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using tokenizer::chat::JinjaTemplate;

constexpr size_t kMaxLine = 16u << 20;

const std::string& string_field(const ordered_json& r, const char* key, bool required) {
  static const std::string empty;
  if (!r.contains(key) || r[key].is_null()) {
    LLMCP_CHECK(!required, kInvalidArgument, "missing \"", key, "\"");
    return empty;
  }
  LLMCP_CHECK(r[key].is_string(), kInvalidArgument, "\"", key, "\" must be a string, got ", r[key].dump());
  return r[key].get_ref<const std::string&>();
}

// HF templates expect tool-call arguments as a mapping; OpenAI data carries them as a JSON string.
ordered_json normalise_messages(const ordered_json& messages) {
  LLMCP_CHECK(messages.is_array() && !messages.empty(), kInvalidArgument,
              "\"messages\" must be a non-empty list of {\"role\", \"content\"}");
  ordered_json out = messages;
  for (auto& m : out) {
    LLMCP_CHECK(m.is_object() && m.contains("role") && m["role"].is_string(), kInvalidArgument,
                "every message needs a \"role\" string, got ", m.dump());
    if (!m.contains("tool_calls")) continue;
    LLMCP_CHECK(m["tool_calls"].is_array(), kInvalidArgument, "\"tool_calls\" must be a list");
    for (auto& call : m["tool_calls"]) {
      auto* fn = call.contains("function") ? &call["function"] : &call;
      if (fn->contains("arguments") && (*fn)["arguments"].is_string()) {
        auto parsed = ordered_json::parse((*fn)["arguments"].get<std::string>(), nullptr, false);
        if (!parsed.is_discarded() && parsed.is_object()) (*fn)["arguments"] = parsed;
      }
    }
  }
  return out;
}

std::set<std::string> used_keys(DataFormat f) {
  switch (f) {
    case DataFormat::kText: return {"text"};
    case DataFormat::kInstruction: return {"instruction", "input", "output"};
    case DataFormat::kChat: return {"messages", "tools"};
    case DataFormat::kToolCalls: return {"input", "output", "tool_calls", "tools", "system"};
  }
  return {};
}

std::string keys_of(const ordered_json& r) {
  std::string s;
  for (auto it = r.begin(); it != r.end(); ++it) s += (s.empty() ? "" : ", ") + it.key();
  return s.empty() ? "none" : s;
}

}  // namespace

const char* format_name(DataFormat f) {
  switch (f) {
    case DataFormat::kText: return "text";
    case DataFormat::kInstruction: return "instruction";
    case DataFormat::kChat: return "chat";
    case DataFormat::kToolCalls: return "tool_calls";
  }
  return "text";
}

DataContext::DataContext(tokenizer::Tokenizer tok, DataOptions options) : tok_(std::move(tok)), options_(std::move(options)) {}
DataContext::~DataContext() = default;
DataContext::DataContext(DataContext&&) noexcept = default;

DataContext DataContext::from_model_dir(const fs::path& dir, DataOptions options) {
  LLMCP_CHECK(fs::is_directory(dir), kNotFound, "model folder '", dir.string(), "' does not exist");
  DataContext ctx(tokenizer::Tokenizer::from_dir(dir), options);
  ctx.special_ = tokenizer::chat::special_tokens_of(ctx.tok_);
  namespace chat = tokenizer::chat;
  if (!options.template_name.empty() && fs::is_regular_file(options.template_name)) {
    const std::string source = core::read_file(options.template_name);
    ctx.chat_ = std::make_shared<const JinjaTemplate>(JinjaTemplate::parse(source));
    ctx.tools_chat_ = ctx.chat_;
    if (auto style = chat::detect_tool_call_style(source)) ctx.tool_style_ = chat::style_name(*style);
    return ctx;
  }
  const std::string arch = fs::exists(dir / "config.json") ? io::HfConfig::load(dir).architecture() : "";
  chat::ChatTemplates templates = chat::load_chat_templates(dir);
  if (templates.named.empty()) {
    auto builtin = chat::builtin_chat_template(arch, ctx.tok_);
    if (builtin) templates = *builtin;
  }
  if (templates.named.empty()) {
    LLMCP_CHECK(options.template_name.empty(), kNotFound, "chat template '", options.template_name,
                "' not found: the model ships no chat template and it is not a .jinja file");
    return ctx;  // text and instruction (Alpaca) data still work
  }
  ctx.chat_ = std::make_shared<const JinjaTemplate>(
      JinjaTemplate::parse(chat::select_chat_template(templates, options.template_name, false)));
  const std::string& tools_source = chat::select_chat_template(templates, options.template_name, true);
  ctx.tools_chat_ = std::make_shared<const JinjaTemplate>(JinjaTemplate::parse(tools_source));
  if (auto style = chat::detect_tool_call_style(tools_source)) ctx.tool_style_ = chat::style_name(*style);
  return ctx;
}

std::optional<DataFormat> DataContext::detect(const ordered_json& r) {
  if (!r.is_object()) return std::nullopt;
  if (r.contains("messages")) return DataFormat::kChat;
  if (r.contains("tool_calls") && r.contains("input")) return DataFormat::kToolCalls;
  if (r.contains("instruction")) return DataFormat::kInstruction;
  if (r.contains("text")) return DataFormat::kText;
  return std::nullopt;
}

Example DataContext::render_conversation(const ordered_json& messages, const ordered_json& tools) const {
  LLMCP_CHECK(chat_ != nullptr, kNotFound,
              "the model has no chat template for chat or tool data; add chat_template.jinja to the model folder, "
              "set chat_template to a template name or .jinja file, or use text or instruction data");
  tokenizer::chat::ChatRequest req;
  req.messages = normalise_messages(messages);
  req.tools = tools;
  auto view = tokenizer::chat::training_view(tools.is_null() ? *chat_ : *tools_chat_, tok_, req, special_);
  return {std::move(view.ids), std::move(view.mask), 0};
}

Example DataContext::alpaca(const std::string& instruction, const std::string& input, const std::string& output) const {
  std::string prompt = input.empty()
                           ? "Below is an instruction that describes a task. Write a response that appropriately "
                             "completes the request.\n\n### Instruction:\n" + instruction + "\n\n### Response:\n"
                           : "Below is an instruction that describes a task, paired with an input that provides "
                             "further context. Write a response that appropriately completes the request.\n\n"
                             "### Instruction:\n" + instruction + "\n\n### Input:\n" + input + "\n\n### Response:\n";
  const std::string text = prompt + output;
  auto enc = tok_.encode_with_spans(text, /*add_special_tokens=*/true);
  Example e;
  e.ids = std::move(enc.ids);
  for (const auto& s : enc.spans) e.mask.push_back(s.begin >= prompt.size() && s.end > s.begin ? 1 : 0);
  const auto eos = tok_.special().eos;
  if (eos && (e.ids.empty() || e.ids.back() != *eos)) {
    e.ids.push_back(*eos);
    e.mask.push_back(1);
  }
  return e;
}

Example DataContext::encode_record(const ordered_json& r, DataFormat f) const {
  Example e;
  switch (f) {
    case DataFormat::kText: {
      const auto& text = string_field(r, "text", true);
      LLMCP_CHECK(!text.empty(), kInvalidArgument, "\"text\" is empty");
      e.ids = tok_.encode(text, true);
      const auto eos = tok_.special().eos;
      if (eos && e.ids.back() != *eos) e.ids.push_back(*eos);
      e.mask.assign(e.ids.size(), 1);
      break;
    }
    case DataFormat::kInstruction: {
      const auto& instruction = string_field(r, "instruction", true);
      const auto& input = string_field(r, "input", false);
      const auto& output = string_field(r, "output", true);
      LLMCP_CHECK(!instruction.empty(), kInvalidArgument, "\"instruction\" is empty");
      LLMCP_CHECK(!output.empty(), kInvalidArgument, "\"output\" is empty: nothing to learn");
      if (chat_) {
        ordered_json messages = ordered_json::array();
        messages.push_back({{"role", "user"}, {"content", input.empty() ? instruction : instruction + "\n\n" + input}});
        messages.push_back({{"role", "assistant"}, {"content", output}});
        e = render_conversation(messages, nullptr);
      } else {
        e = alpaca(instruction, input, output);
      }
      break;
    }
    case DataFormat::kChat: {
      const ordered_json tools = r.contains("tools") ? r["tools"] : ordered_json();
      LLMCP_CHECK(tools.is_null() || tools.is_array(), kInvalidArgument, "\"tools\" must be a list");
      e = render_conversation(r["messages"], tools);
      break;
    }
    case DataFormat::kToolCalls: {
      const auto& input = string_field(r, "input", true);
      const auto& output = string_field(r, "output", false);
      const auto& system = string_field(r, "system", false);
      LLMCP_CHECK(r["tool_calls"].is_array(), kInvalidArgument, "\"tool_calls\" must be a list of {name, arguments}");
      ordered_json calls = ordered_json::array();
      std::string first_name;
      for (const auto& c : r["tool_calls"]) {
        LLMCP_CHECK(c.is_object() && c.contains("name") && c["name"].is_string(), kInvalidArgument,
                    "each tool call needs a \"name\" string, got ", c.dump());
        ordered_json args = c.contains("arguments") ? c["arguments"] : ordered_json::object();
        if (args.is_string()) {
          auto parsed = ordered_json::parse(args.get<std::string>(), nullptr, false);
          if (!parsed.is_discarded()) args = parsed;
        }
        LLMCP_CHECK(args.is_object(), kInvalidArgument, "tool call arguments must be an object, got ", args.dump());
        if (first_name.empty()) first_name = c["name"].get<std::string>();
        // Some templates (Mistral v3) require a 9-character alphanumeric call id; the seed's shape
        // has none, so one is derived from the record (stable across runs).
        static constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        uint64_t h = std::hash<std::string>{}(input + "\x1f" + std::to_string(calls.size()) + c.dump());
        std::string id;
        for (int k = 0; k < 9; ++k, h /= 62) id += kAlnum[h % 62];
        calls.push_back({{"type", "function"}, {"id", id}, {"function", {{"name", c["name"]}, {"arguments", args}}}});
      }
      LLMCP_CHECK(!calls.empty() || !output.empty(), kInvalidArgument, "neither \"output\" nor \"tool_calls\": nothing to learn");
      ordered_json messages = ordered_json::array();
      if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
      messages.push_back({{"role", "user"}, {"content", input}});
      ordered_json assistant = {{"role", "assistant"}, {"content", output}};
      if (!calls.empty()) assistant["tool_calls"] = calls;
      messages.push_back(assistant);
      const ordered_json tools = r.contains("tools") ? r["tools"] : ordered_json();
      e = render_conversation(messages, tools);
      if (!first_name.empty()) {
        std::vector<int32_t> trained;
        for (size_t i = 0; i < e.ids.size(); ++i)
          if (e.mask[i]) trained.push_back(e.ids[i]);
        LLMCP_CHECK(tok_.decode(trained).find(first_name) != std::string::npos, kUnsupported,
                    "the chat template does not render tool calls (the assistant turn has no '", first_name,
                    "'); use a template with tool support (chat_template: a .jinja file or name)");
      }
      break;
    }
  }
  if (options_.train_on_all) std::fill(e.mask.begin(), e.mask.end(), 1);
  bool any = false;
  for (size_t i = 1; i < e.mask.size(); ++i) any = any || e.mask[i];
  LLMCP_CHECK(any, kInvalidArgument, "no token to learn from (the completion is empty)");
  return e;
}

Dataset DataContext::load(const fs::path& path) const {
  LLMCP_CHECK(fs::is_regular_file(path), kNotFound, "dataset ", path.string(), " does not exist");
  std::ifstream in(path, std::ios::binary);
  Dataset ds;
  ds.path = path.string();
  std::optional<DataFormat> format;
  int64_t detected_at = 0;
  for (std::string line; std::getline(in, line);) {
    const int64_t n = ++ds.lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++ds.blank;
      continue;
    }
    auto fail = [&](const std::string& reason) {
      ++ds.skipped;
      ds.errors.push_back({n, reason});
    };
    if (line.size() > kMaxLine) {
      fail("line longer than 16 MB");
      continue;
    }
    ordered_json r;
    try {
      r = ordered_json::parse(line);
    } catch (const ordered_json::parse_error& e) {
      fail(std::string("not valid JSON (") + e.what() + ")");
      continue;
    }
    auto f = detect(r);
    if (!f) {
      fail(r.is_object() ? "no known format: expected \"text\", \"instruction\", \"messages\" or \"input\"+\"tool_calls\"; got keys " + keys_of(r)
                         : "expected a JSON object, got " + std::string(r.type_name()));
      continue;
    }
    if (!format) {
      format = f;
      detected_at = n;
    } else if (*f != *format) {
      fail(std::string("this line has the ") + format_name(*f) + " format but the file's is " + format_name(*format) +
           " (detected from line " + std::to_string(detected_at) + "); keys " + keys_of(r));
      continue;
    }
    try {
      Example e = encode_record(r, *format);
      e.line = n;
      if (options_.max_seq_len > 0 && static_cast<int64_t>(e.ids.size()) > options_.max_seq_len) {
        e.ids.resize(static_cast<size_t>(options_.max_seq_len));
        e.mask.resize(e.ids.size());
        bool any = false;
        for (size_t i = 1; i < e.mask.size(); ++i) any = any || e.mask[i];
        LLMCP_CHECK(any, kInvalidArgument, "the completion starts after token ", options_.max_seq_len,
                    " (seq_len ", options_.max_seq_len, "): raise seq_len");
        ++ds.truncated;
      }
      const auto used = used_keys(*format);
      for (auto it = r.begin(); it != r.end(); ++it)
        if (!used.count(it.key())) ++ds.ignored_keys[it.key()];
      ds.examples.push_back(std::move(e));
      ++ds.used;
    } catch (const core::Error& e) {
      fail(e.what());
    }
  }
  if (format) ds.format = *format;
  if (ds.used == 0) {
    std::string first;
    for (size_t i = 0; i < std::min<size_t>(3, ds.errors.size()); ++i)
      first += "\n  line " + std::to_string(ds.errors[i].line) + ": " + ds.errors[i].reason;
    LLMCP_FAIL(kInvalidArgument, "dataset ", path.string(), " has no usable line (", ds.lines, " lines)", first);
  }
  return ds;
}

nlohmann::ordered_json summary_json(const Dataset& ds) {
  ordered_json j;
  j["path"] = ds.path;
  j["format"] = format_name(ds.format);
  j["lines"] = ds.lines;
  j["used"] = ds.used;
  j["skipped"] = ds.skipped;
  j["blank"] = ds.blank;
  j["truncated"] = ds.truncated;
  j["errors"] = ordered_json::array();
  for (size_t i = 0; i < std::min<size_t>(20, ds.errors.size()); ++i)
    j["errors"].push_back({{"line", ds.errors[i].line}, {"reason", ds.errors[i].reason}});
  std::vector<int64_t> lengths;
  int64_t total = 0, targets = 0;
  for (const auto& e : ds.examples) {
    lengths.push_back(static_cast<int64_t>(e.ids.size()));
    total += lengths.back();
    for (size_t i = 1; i < e.mask.size(); ++i) targets += e.mask[i];
  }
  std::sort(lengths.begin(), lengths.end());
  auto pct = [&](double p) { return lengths.empty() ? 0 : lengths[static_cast<size_t>(p * static_cast<double>(lengths.size() - 1))]; };
  j["tokens"] = {{"total", total},
                 {"targets", targets},
                 {"min", lengths.empty() ? 0 : lengths.front()},
                 {"max", lengths.empty() ? 0 : lengths.back()},
                 {"mean", lengths.empty() ? 0.0 : static_cast<double>(total) / static_cast<double>(lengths.size())},
                 {"p50", pct(0.5)},
                 {"p95", pct(0.95)}};
  j["ignored_keys"] = ds.ignored_keys;
  return j;
}

}  // namespace llmcp::data
