// SentencePiece backend (see sp_model.h).
#include "tokenizer/sp_model.h"

#include <sentencepiece_processor.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace llmcp::tokenizer {

struct SpModel::Impl {
  sentencepiece::SentencePieceProcessor sp;
  bool dummy_prefix = false;
};

SpModel::SpModel(const std::filesystem::path& model_file) : impl_(std::make_unique<Impl>()) {
  const std::string bytes = core::read_file(model_file);
  const auto status = impl_->sp.LoadFromSerializedProto(bytes);
  LLMCP_CHECK(status.ok(), kMalformedFile, "'", model_file.string(),
              "' is not a SentencePiece model: ", status.ToString());
  LLMCP_CHECK(impl_->sp.GetPieceSize() > 0, kMalformedFile, "'", model_file.string(),
              "' has an empty vocabulary");
  // The model proto (and its add_dummy_prefix flag) is not in the installed headers: see whether a
  // lone letter comes back with the "▁" prefix.
  std::vector<std::string> pieces;
  if (impl_->sp.Encode("a", &pieces).ok() && !pieces.empty()) {
    impl_->dummy_prefix = pieces.front().rfind("\xE2\x96\x81", 0) == 0;
  }
}

SpModel::~SpModel() = default;

void SpModel::encode(std::string_view text, std::vector<int32_t>& out) const {
  std::vector<int> ids;
  const auto status = impl_->sp.Encode(text, &ids);
  LLMCP_CHECK(status.ok(), kInternal, "SentencePiece could not encode the text: ", status.ToString());
  out.insert(out.end(), ids.begin(), ids.end());
}

std::string SpModel::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  const auto status = impl_->sp.Decode(std::vector<int>(ids.begin(), ids.end()), &text);
  LLMCP_CHECK(status.ok(), kInvalidArgument, "SentencePiece could not decode the ids: ", status.ToString());
  return text;
}

std::optional<int32_t> SpModel::piece_to_id(std::string_view piece) const {
  const int id = impl_->sp.PieceToId(piece);
  // Unknown pieces map to unk_id; only the unk piece itself really has that id.
  if (id == impl_->sp.unk_id() && impl_->sp.IdToPiece(id) != piece) return std::nullopt;
  return id;
}

const std::string* SpModel::id_to_piece(int32_t id) const {
  if (id < 0 || id >= impl_->sp.GetPieceSize()) return nullptr;
  return &impl_->sp.IdToPiece(id);
}

int32_t SpModel::size() const { return impl_->sp.GetPieceSize(); }

Json SpModel::added_tokens_json() const {
  Json list = Json::array();
  for (int id = 0; id < impl_->sp.GetPieceSize(); ++id) {
    if (!impl_->sp.IsControl(id) && !impl_->sp.IsUnknown(id)) continue;
    list.push_back({{"id", id}, {"content", impl_->sp.IdToPiece(id)}, {"single_word", false},
                    {"lstrip", false}, {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  return list;
}

Json SpModel::decoder_json() const {
  Json steps = Json::array({
      {{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
      {{"type", "ByteFallback"}},
      {{"type", "Fuse"}},
  });
  if (impl_->dummy_prefix) steps.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  return {{"type", "Sequence"}, {"decoders", steps}};
}

namespace {
std::string piece_or_empty(const sentencepiece::SentencePieceProcessor& sp, int id) {
  return id < 0 || id >= sp.GetPieceSize() ? std::string() : sp.IdToPiece(id);
}
}  // namespace

std::string SpModel::unk_piece() const { return piece_or_empty(impl_->sp, impl_->sp.unk_id()); }
std::string SpModel::bos_piece() const { return piece_or_empty(impl_->sp, impl_->sp.bos_id()); }
std::string SpModel::eos_piece() const { return piece_or_empty(impl_->sp, impl_->sp.eos_id()); }

}  // namespace llmcp::tokenizer
