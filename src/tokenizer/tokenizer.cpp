// Tokenizer (see tokenizer.h): assembles the tokenizer.json components and runs HF's pipeline —
// added tokens on raw text, normalizer, added tokens on normalized text, pre-tokenizer, BPE per
// word, then the BOS/EOS wrapping. Decoding feeds token strings through the decoder steps.
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_impl.h"

#include <algorithm>

#include "core/atomic_file.h"
#include "core/error.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/sp_model.h"
#include "tokenizer/tokenizer_config.h"
#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {

namespace {

const Json& member_or_null(const Json& j, const char* key) {
  static const Json kNull;
  const auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::unique_ptr<BpeModel> make_model(const Json& model) {
  LLMCP_CHECK(model.is_object(), kMalformedFile, "tokenizer.json model should be a JSON object");
  // Files written by old tokenizers versions omit the type of a BPE model.
  const std::string type = get_string_or(model, "type", "tokenizer.json model",
                                         model.contains("merges") ? "BPE" : "");
  if (type != "BPE") fail_unsupported("model", type, "BPE");
  return std::make_unique<BpeModel>(model);
}

// What the tokenizer file itself says when tokenizer_config.json is silent.
struct SpecialDefaults {
  std::string bos, eos, unk;
  bool add_bos = false;
};

// Resolves the special token strings and what encode(..., true) adds around the text.
Wrapping resolve_special(const PostProcessor& post, const TokenizerConfig& config,
                         const SpecialDefaults& defaults, const Tokenizer& self) {
  Wrapping t;
  auto text_of = [&](int32_t id) { return self.id_to_token(id); };
  SpecialTokens& s = t.special;
  s.bos_text = config.bos.value_or(!post.prefix.empty() ? text_of(post.prefix.front()) : defaults.bos);
  s.eos_text = config.eos.value_or(!post.suffix.empty() ? text_of(post.suffix.back()) : defaults.eos);
  s.unk_text = config.unk.value_or(defaults.unk);
  s.pad_text = config.pad.value_or("");
  auto id_of = [&](const std::string& text) -> std::optional<int32_t> {
    return text.empty() ? std::nullopt : self.token_to_id(text);
  };
  s.bos = id_of(s.bos_text);
  s.eos = id_of(s.eos_text);
  s.unk = id_of(s.unk_text);
  s.pad = id_of(s.pad_text);
  s.model_max_length = config.model_max_length;
  if (post.has_template) {
    t.prefix = post.prefix;
    t.suffix = post.suffix;
    s.add_bos = s.bos && std::find(t.prefix.begin(), t.prefix.end(), *s.bos) != t.prefix.end();
    s.add_eos = s.eos && std::find(t.suffix.begin(), t.suffix.end(), *s.eos) != t.suffix.end();
    return t;
  }
  s.add_bos = config.add_bos.value_or(defaults.add_bos);
  s.add_eos = config.add_eos.value_or(false);
  LLMCP_CHECK(!s.add_bos || s.bos, kMalformedFile, "tokenizer_config.json sets add_bos_token but "
              "bos_token '", s.bos_text, "' is not a token of tokenizer.json");
  LLMCP_CHECK(!s.add_eos || s.eos, kMalformedFile, "tokenizer_config.json sets add_eos_token but "
              "eos_token '", s.eos_text, "' is not a token of tokenizer.json");
  if (s.add_bos) t.prefix = {*s.bos};
  if (s.add_eos) t.suffix = {*s.eos};
  return t;
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Tokenizer Tokenizer::from_dir(const std::filesystem::path& dir) {
  const auto json_path = dir / "tokenizer.json";
  const auto model_path = dir / "tokenizer.model";
  const auto config_path = dir / "tokenizer_config.json";
  const std::string config =
      std::filesystem::exists(config_path) ? core::read_file(config_path) : std::string();
  if (!std::filesystem::exists(json_path) && std::filesystem::exists(model_path)) {
    return from_sentencepiece(model_path, config);
  }
  LLMCP_CHECK(std::filesystem::exists(json_path), kNotFound, "no tokenizer.json or tokenizer.model in '",
              dir.string(), "'; point --model at a folder holding the model's tokenizer files");
  return from_json(core::read_file(json_path), config);
}

Tokenizer Tokenizer::from_sentencepiece(const std::filesystem::path& model_file,
                                        const std::string& tokenizer_config_json) {
  const TokenizerConfig config = TokenizerConfig::parse(tokenizer_config_json);
  auto impl = std::make_shared<Impl>();
  impl->sp = std::make_unique<SpModel>(model_file);
  impl->added = std::make_unique<AddedVocabulary>(impl->sp->added_tokens_json(), nullptr);
  impl->decoder = Decoder::from_json(impl->sp->decoder_json());
  impl->vocab_size = impl->sp->size();
  Tokenizer self(impl);
  // As transformers' LlamaTokenizer: BOS added by default, EOS not.
  const SpecialDefaults defaults{impl->sp->bos_piece(), impl->sp->eos_piece(), impl->sp->unk_piece(),
                                 !impl->sp->bos_piece().empty()};
  impl->wrap = resolve_special(PostProcessor(), config, defaults, self);
  return self;
}

Tokenizer Tokenizer::from_json(const std::string& tokenizer_json,
                               const std::string& tokenizer_config_json) {
  Json j;
  try {
    j = Json::parse(tokenizer_json);
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kMalformedFile, "tokenizer.json is not valid JSON: ", e.what());
  }
  LLMCP_CHECK(j.is_object(), kMalformedFile, "tokenizer.json should hold a JSON object");
  const TokenizerConfig config = TokenizerConfig::parse(tokenizer_config_json);
  auto impl = std::make_shared<Impl>();
  PostProcessor post;
  try {
    impl->model = make_model(require(j, "model", "tokenizer.json"));
    impl->normalizer = make_normalizer(member_or_null(j, "normalizer"));
    impl->pre_tokenizer = make_pre_tokenizer(member_or_null(j, "pre_tokenizer"));
    impl->added = std::make_unique<AddedVocabulary>(member_or_null(j, "added_tokens"),
                                                    impl->normalizer.get());
    post = PostProcessor::from_json(member_or_null(j, "post_processor"));
    impl->decoder = Decoder::from_json(member_or_null(j, "decoder"));
    impl->byte_level = member_or_null(j, "pre_tokenizer").dump().find("\"ByteLevel\"") != std::string::npos;
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kMalformedFile, "tokenizer.json has an unexpected structure: ", e.what());
  }
  int32_t max_id = impl->model->max_id();
  for (const auto& t : impl->added->tokens()) max_id = std::max(max_id, t.id);
  impl->vocab_size = max_id + 1;
  LLMCP_CHECK(impl->vocab_size > 0, kMalformedFile, "tokenizer.json has an empty vocabulary");
  Tokenizer self(impl);
  for (const auto* ids : {&post.prefix, &post.suffix}) {
    for (const int32_t id : *ids) {
      LLMCP_CHECK(impl->added->by_id(id) || impl->model->id_to_token(id), kMalformedFile,
                  "tokenizer.json post_processor adds token id ", id, ", which is not in the vocab");
    }
  }
  const SpecialDefaults defaults{"", "", get_string_or(j["model"], "unk_token", "tokenizer.json model", "")};
  impl->wrap = resolve_special(post, config, defaults, self);
  return self;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const Impl& t = *impl_;
  const size_t bad = find_invalid_utf8(text);
  LLMCP_CHECK(bad == std::string_view::npos, kInvalidArgument,
              "text to encode is not valid UTF-8 (byte ", bad, " of ", text.size(), ")");
  std::vector<int32_t> ids;
  if (add_special_tokens) ids = t.wrap.prefix;
  std::vector<Segment> segments;
  segments.push_back({std::string(text), -1, true});
  segments = t.added->split(std::move(segments), false);
  if (t.sp) {
    for (const auto& seg : segments) {
      if (seg.id >= 0) {
        ids.push_back(seg.id);
      } else if (!seg.text.empty()) {
        t.sp->encode(seg.text, ids);
      }
    }
    if (add_special_tokens) ids.insert(ids.end(), t.wrap.suffix.begin(), t.wrap.suffix.end());
    return ids;
  }
  if (t.normalizer) {
    for (auto& seg : segments) {
      if (seg.id < 0) seg.text = t.normalizer->normalize(seg.text);
    }
  }
  segments = t.added->split(std::move(segments), true);
  std::vector<Piece> pieces;
  for (auto& seg : segments) {
    if (seg.id >= 0) {
      ids.push_back(seg.id);
      continue;
    }
    if (seg.text.empty()) continue;
    pieces.clear();
    pieces.push_back({std::move(seg.text), seg.at_start});
    if (t.pre_tokenizer) t.pre_tokenizer->apply(pieces);
    for (const auto& p : pieces) t.model->tokenize(p.text, ids);
  }
  if (add_special_tokens) ids.insert(ids.end(), t.wrap.suffix.begin(), t.wrap.suffix.end());
  return ids;
}

DecodeRun Tokenizer::start_decode() const { return impl_->decoder.start(); }

std::string Tokenizer::token_for_decode(int32_t id) const { return id_to_token(id); }

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  DecodeRun run = start_decode();
  std::string text;
  for (const int32_t id : ids) {
    if (skip_special_tokens && is_special(id)) continue;
    text += run.push(token_for_decode(id));
  }
  text += run.finish();
  return text;
}

int32_t Tokenizer::vocab_size() const { return impl_->vocab_size; }

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (const auto id = impl_->added->token_to_id(token)) return id;
  return impl_->sp ? impl_->sp->piece_to_id(token) : impl_->model->token_to_id(token);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* t = impl_->added->by_id(id)) return t->content;
  const std::string* s = impl_->sp ? impl_->sp->id_to_piece(id) : impl_->model->id_to_token(id);
  if (s != nullptr) return *s;
  LLMCP_FAIL(kInvalidArgument, "token id ", id, " is not in the vocabulary (size ", impl_->vocab_size,
             "); were these ids made by another tokenizer?");
}

const SpecialTokens& Tokenizer::special() const { return impl_->wrap.special; }

bool Tokenizer::is_special(int32_t id) const {
  const AddedToken* t = impl_->added->by_id(id);
  return t != nullptr && t->special;
}

}  // namespace llmcp::tokenizer
