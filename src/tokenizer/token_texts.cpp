// token_texts; see tokenizer.h. Each id is decoded after an anchor token and the anchor's text is
// taken off, so a leading space that decoders strip at a text's start is kept.
#include <array>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer {

std::vector<std::string> token_texts(const Tokenizer& tok) {
  const auto anchor_ids = tok.encode("a", /*add_special_tokens=*/false);
  const bool anchored = anchor_ids.size() == 1;
  const std::string anchor = anchored ? tok.decode(anchor_ids) : "";
  std::vector<std::string> out(static_cast<size_t>(tok.vocab_size()));
  for (int32_t id = 0; id < tok.vocab_size(); ++id) {
    if (tok.is_special(id)) continue;
    try {
      const std::string both = anchored ? tok.decode(std::array<int32_t, 2>{anchor_ids[0], id}) : "";
      out[id] = anchored && both.starts_with(anchor) ? both.substr(anchor.size())
                                                     : tok.decode(std::array<int32_t, 1>{id});
    } catch (const core::Error&) {  // a hole in the ids: no text
    }
  }
  return out;
}

}  // namespace llmcp::tokenizer
