// Tokenizer and chat-template facade (see text.h).
#include "engine/text.h"

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "tokenizer/chat/chat_template.h"
#include "tokenizer/chat/jinja.h"
#include "tokenizer/chat/template_source.h"
#include "tokenizer/chat/training_view.h"
#include "tokenizer/tokenizer.h"
#include "train/data/dataset.h"

namespace llmcp::engine {
namespace {

namespace fs = std::filesystem;
using tokenizer::Tokenizer;

Tokenizer load_tokenizer(const std::string& model_dir) {
  LLMCP_CHECK(fs::is_directory(model_dir), kNotFound, "model folder '", model_dir, "' does not exist");
  return Tokenizer::from_dir(model_dir);
}


}  // namespace

std::vector<TokenizeResult> tokenize(const std::string& model_dir, const std::vector<std::string>& texts,
                                     bool add_special_tokens) {
  const Tokenizer tok = load_tokenizer(model_dir);
  std::vector<TokenizeResult> out;
  out.reserve(texts.size());
  for (const auto& text : texts) {
    TokenizeResult r;
    try {
      r.ids = tok.encode(text, add_special_tokens);
    } catch (const core::Error& e) {  // a file's lines are texts: say which one
      if (texts.size() == 1) throw;
      throw core::Error(e.code(), "line " + std::to_string(out.size() + 1) + ": " + e.what());
    }
    r.pieces.reserve(r.ids.size());
    for (const int32_t id : r.ids) r.pieces.push_back(tok.id_to_token(id));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> detokenize(const std::string& model_dir, const std::vector<std::vector<int32_t>>& ids,
                                    bool skip_special_tokens) {
  const Tokenizer tok = load_tokenizer(model_dir);
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const auto& list : ids) out.push_back(tok.decode(list, skip_special_tokens));
  return out;
}

RenderChatResult render_chat(const RenderChatRequest& req) {
  using namespace tokenizer::chat;
  const Tokenizer tok = load_tokenizer(req.model_dir);
  LLMCP_CHECK(req.messages.is_array(), kInvalidArgument,
              "messages should be a JSON list of {\"role\": ..., \"content\": ...}");
  LLMCP_CHECK(req.tools.is_null() || req.tools.is_array(), kInvalidArgument, "tools should be a JSON list");
  RenderChatResult result;
  std::string source;
  {
    const ModelFamily family = data::model_family_of(req.model_dir, tok);
    const TemplateChoice choice = choose_chat_template(req.model_dir, req.template_name, family, tok);
    if (choice.source.empty()) resolve_chat_templates(req.model_dir, family, tok);  // throws, saying how to add one
    source = req.tools.is_null() ? choice.source : choice.tools_source;
    result.template_origin = choice.origin;
  }
  const JinjaTemplate tmpl = JinjaTemplate::parse(source);
  ChatRequest chat;
  chat.messages = req.messages;
  chat.tools = req.tools;
  chat.add_generation_prompt = req.add_generation_prompt;
  chat.extra = req.extra;
  const auto special = special_tokens_of(tok);
  if (!req.with_mask) {
    result.text = tokenizer::chat::render_chat(tmpl, chat, special);
    return result;
  }
  TrainingView view = training_view(tmpl, tok, chat, special);
  result.text = std::move(view.text);
  result.trained_spans = std::move(view.trained_spans);
  result.ids = std::move(view.ids);
  result.mask = std::move(view.mask);
  return result;
}

}  // namespace llmcp::engine
