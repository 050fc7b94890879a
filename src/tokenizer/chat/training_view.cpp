// Training view (see training_view.h).
#include "tokenizer/chat/training_view.h"

#include "core/error.h"

namespace llmcp::tokenizer::chat {

nlohmann::ordered_json special_tokens_of(const Tokenizer& tokenizer) {
  const SpecialTokens& s = tokenizer.special();
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!s.bos_text.empty()) j["bos_token"] = s.bos_text;
  if (!s.eos_text.empty()) j["eos_token"] = s.eos_text;
  if (!s.unk_text.empty()) j["unk_token"] = s.unk_text;
  if (!s.pad_text.empty()) j["pad_token"] = s.pad_text;
  return j;
}

namespace {

std::string render_prefix(const JinjaTemplate& tmpl, const ChatRequest& request, size_t count,
                          bool add_generation_prompt, const nlohmann::ordered_json& special) {
  ChatRequest r = request;
  r.messages = nlohmann::ordered_json::array();
  for (size_t i = 0; i < count; ++i) r.messages.push_back(request.messages[i]);
  r.add_generation_prompt = add_generation_prompt;
  return render_chat(tmpl, r, special);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

TrainingView training_view(const JinjaTemplate& tmpl, const Tokenizer& tokenizer, const ChatRequest& request,
                           const nlohmann::ordered_json& special_tokens) {
  LLMCP_CHECK(request.messages.is_array(), kInvalidArgument, "messages should be a list");
  TrainingView v;
  v.text = render_chat(tmpl, request, special_tokens);
  size_t cursor = 0;
  for (size_t i = 0; i < request.messages.size(); ++i) {
    const auto& m = request.messages[i];
    if (!m.is_object() || m.value("role", "") != "assistant") continue;
    const std::string before = render_prefix(tmpl, request, i, true, special_tokens);
    const std::string through = render_prefix(tmpl, request, i + 1, false, special_tokens);
    LLMCP_CHECK(starts_with(through, before), kUnsupported, "the chat template renders message ", i,
                " (assistant) so that the text before it changes; its loss mask cannot be found");
    size_t begin = before.size(), end = through.size();
    if (!starts_with(v.text, through)) {
      // Later turns change how earlier ones render: find this reply in the full text.
      const std::string reply = through.substr(before.size());
      const size_t at = reply.empty() ? std::string::npos : v.text.find(reply, cursor);
      LLMCP_CHECK(at != std::string::npos, kUnsupported, "cannot find assistant message ", i,
                  " in the rendered conversation (the template renders it differently once later "
                  "messages follow); its loss mask cannot be found");
      begin = at;
      end = at + reply.size();
    }
    LLMCP_CHECK(begin >= cursor, kInternal, "assistant message ", i, " renders before the previous one");
    if (end > begin) v.trained_spans.emplace_back(begin, end);
    cursor = end;
  }
  const Encoding enc = tokenizer.encode_with_spans(v.text, /*add_special_tokens=*/false);
  v.ids = enc.ids;
  v.mask.assign(v.ids.size(), 0);
  size_t s = 0;
  for (size_t k = 0; k < enc.spans.size(); ++k) {
    const size_t start = enc.spans[k].begin;
    while (s < v.trained_spans.size() && v.trained_spans[s].second <= start) ++s;
    if (s < v.trained_spans.size() && start >= v.trained_spans[s].first) v.mask[k] = 1;
  }
  return v;
}

}  // namespace llmcp::tokenizer::chat
