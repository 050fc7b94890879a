// A small shared library around libsentencepiece with a C interface, loaded by sp_model.cpp with
// dlopen(RTLD_LOCAL | RTLD_DEEPBIND) on first use. Why: Debian's libsentencepiece bundles and exports
// its own protobuf, and a program that also loads libprotobuf (libtorch does, through onnx) crashes
// at start-up when the two copies interpose each other. Loaded this way, sentencepiece binds only to
// its own protobuf and nothing else ever sees it.
#include <sentencepiece_processor.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

void set_error(const std::string& message, char* err, size_t cap) {
  if (err == nullptr || cap == 0) return;
  const size_t n = std::min(message.size(), cap - 1);
  std::memcpy(err, message.data(), n);
  err[n] = '\0';
}

sentencepiece::SentencePieceProcessor* sp(void* h) { return static_cast<sentencepiece::SentencePieceProcessor*>(h); }

}  // namespace

extern "C" {

// A loaded model, or nullptr with the reason in `err`.
void* llmcp_spm_load(const char* bytes, size_t size, char* err, size_t err_cap) {
  auto* p = new sentencepiece::SentencePieceProcessor();
  const auto status = p->LoadFromSerializedProto(std::string_view(bytes, size));
  if (!status.ok()) {
    set_error(status.ToString(), err, err_cap);
    delete p;
    return nullptr;
  }
  return p;
}

void llmcp_spm_free(void* h) { delete sp(h); }

int llmcp_spm_piece_size(void* h) { return sp(h)->GetPieceSize(); }

// Writes up to `cap` ids; returns how many there are (call again with more room when larger), or
// -1 with the reason in `err`.
int64_t llmcp_spm_encode(void* h, const char* text, size_t size, int32_t* out, size_t cap, char* err,
                         size_t err_cap) {
  std::vector<int> ids;
  const auto status = sp(h)->Encode(std::string_view(text, size), &ids);
  if (!status.ok()) {
    set_error(status.ToString(), err, err_cap);
    return -1;
  }
  for (size_t i = 0; i < ids.size() && i < cap; ++i) out[i] = ids[i];
  return static_cast<int64_t>(ids.size());
}

// The piece of `id` (valid until the model is freed); the caller checks the range.
const char* llmcp_spm_id_to_piece(void* h, int id, size_t* size) {
  const std::string& piece = sp(h)->IdToPiece(id);
  *size = piece.size();
  return piece.data();
}

int llmcp_spm_piece_to_id(void* h, const char* piece, size_t size) {
  return sp(h)->PieceToId(std::string_view(piece, size));
}

// Bit flags of a piece: 1 control, 2 unknown, 4 byte, 8 unused.
int llmcp_spm_kind(void* h, int id) {
  return (sp(h)->IsControl(id) ? 1 : 0) | (sp(h)->IsUnknown(id) ? 2 : 0) | (sp(h)->IsByte(id) ? 4 : 0) |
         (sp(h)->IsUnused(id) ? 8 : 0);
}

// unk, bos, eos, pad ids (-1 when the model has none).
void llmcp_spm_special_ids(void* h, int32_t* out4) {
  out4[0] = sp(h)->unk_id();
  out4[1] = sp(h)->bos_id();
  out4[2] = sp(h)->eos_id();
  out4[3] = sp(h)->pad_id();
}

}  // extern "C"
