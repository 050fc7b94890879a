// SentencePiece backend (see sp_model.h). libsentencepiece is reached through our small shim library
// (sp_shim.cpp), loaded on first use with dlopen: Debian's libsentencepiece exports its bundled
// protobuf, which clashes with the libprotobuf that libtorch loads, so it must stay out of the
// program's global symbol scope (RTLD_LOCAL) and bind to its own copy (RTLD_DEEPBIND).
#include "tokenizer/sp_model.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "core/atomic_file.h"
#include "core/error.h"

#ifndef LLMCP_SPM_SHIM_PATH
#error "LLMCP_SPM_SHIM_PATH must name the built llmcp_spm library"
#endif

namespace llmcp::tokenizer {
namespace {

// The shim's C functions.
struct Shim {
  void* (*load)(const char*, size_t, char*, size_t);
  void (*free)(void*);
  int (*piece_size)(void*);
  int64_t (*encode)(void*, const char*, size_t, int32_t*, size_t, char*, size_t);
  const char* (*id_to_piece)(void*, int, size_t*);
  int (*piece_to_id)(void*, const char*, size_t);
  int (*kind)(void*, int);
  void (*special_ids)(void*, int32_t*);
};

#if defined(__SANITIZE_ADDRESS__)
constexpr int kDlopenFlags = RTLD_NOW | RTLD_LOCAL;  // ASan refuses RTLD_DEEPBIND (no torch there)
#else
constexpr int kDlopenFlags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#endif

const Shim& shim() {
  static Shim s;
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    const char* env = std::getenv("LLMCP_SPM_SHIM");
    const std::string path = env != nullptr ? env : LLMCP_SPM_SHIM_PATH;
    void* lib = ::dlopen(path.c_str(), kDlopenFlags);
    if (lib == nullptr) {
      error = "cannot load the SentencePiece support library '" + path + "': " + ::dlerror() +
              " (rebuild llm-mcp, or set LLMCP_SPM_SHIM to the built libllmcp_spm.so)";
      return;
    }
    auto sym = [&](const char* name) {
      void* p = ::dlsym(lib, name);
      if (p == nullptr && error.empty()) error = std::string("'") + path + "' lacks " + name;
      return p;
    };
    s.load = reinterpret_cast<decltype(s.load)>(sym("llmcp_spm_load"));
    s.free = reinterpret_cast<decltype(s.free)>(sym("llmcp_spm_free"));
    s.piece_size = reinterpret_cast<decltype(s.piece_size)>(sym("llmcp_spm_piece_size"));
    s.encode = reinterpret_cast<decltype(s.encode)>(sym("llmcp_spm_encode"));
    s.id_to_piece = reinterpret_cast<decltype(s.id_to_piece)>(sym("llmcp_spm_id_to_piece"));
    s.piece_to_id = reinterpret_cast<decltype(s.piece_to_id)>(sym("llmcp_spm_piece_to_id"));
    s.kind = reinterpret_cast<decltype(s.kind)>(sym("llmcp_spm_kind"));
    s.special_ids = reinterpret_cast<decltype(s.special_ids)>(sym("llmcp_spm_special_ids"));
  });
  LLMCP_CHECK(error.empty(), kUnsupported, error);
  return s;
}

constexpr size_t kErrCap = 512;

}  // namespace

struct SpModel::Impl {
  void* handle = nullptr;
  std::vector<std::string> pieces;  // id -> piece
  int32_t unk = -1, bos = -1, eos = -1;
  std::vector<int> kinds;
  bool dummy_prefix = false;
  ~Impl() {
    if (handle != nullptr) shim().free(handle);
  }
};

SpModel::SpModel(const std::filesystem::path& model_file) : impl_(std::make_unique<Impl>()) {
  const Shim& s = shim();
  const std::string bytes = core::read_file(model_file);
  char err[kErrCap] = {};
  impl_->handle = s.load(bytes.data(), bytes.size(), err, kErrCap);
  LLMCP_CHECK(impl_->handle != nullptr, kMalformedFile, "'", model_file.string(),
              "' is not a SentencePiece model: ", err);
  const int n = s.piece_size(impl_->handle);
  LLMCP_CHECK(n > 0, kMalformedFile, "'", model_file.string(), "' has an empty vocabulary");
  impl_->pieces.reserve(n);
  impl_->kinds.reserve(n);
  for (int id = 0; id < n; ++id) {
    size_t len = 0;
    const char* p = s.id_to_piece(impl_->handle, id, &len);
    impl_->pieces.emplace_back(p, len);
    impl_->kinds.push_back(s.kind(impl_->handle, id));
  }
  int32_t special[4];
  s.special_ids(impl_->handle, special);
  impl_->unk = special[0], impl_->bos = special[1], impl_->eos = special[2];
  // The model's add_dummy_prefix flag is not exposed: see whether a lone letter gets the "▁" prefix.
  std::vector<int32_t> ids;
  encode("a", ids);
  impl_->dummy_prefix = !ids.empty() && impl_->pieces[ids.front()].rfind("\xE2\x96\x81", 0) == 0;
}

SpModel::~SpModel() = default;

void SpModel::encode(std::string_view text, std::vector<int32_t>& out) const {
  const Shim& s = shim();
  char err[kErrCap] = {};
  const size_t at = out.size();
  size_t cap = text.size() + 8;
  for (;;) {
    out.resize(at + cap);
    const int64_t n = s.encode(impl_->handle, text.data(), text.size(), out.data() + at, cap, err, kErrCap);
    LLMCP_CHECK(n >= 0, kInvalidArgument, "SentencePiece could not encode the text: ", err);
    if (static_cast<size_t>(n) <= cap) {
      out.resize(at + static_cast<size_t>(n));
      return;
    }
    cap = static_cast<size_t>(n);
  }
}

std::optional<int32_t> SpModel::piece_to_id(std::string_view piece) const {
  const int id = shim().piece_to_id(impl_->handle, piece.data(), piece.size());
  // Unknown pieces map to the unk id; only the unk piece itself really has that id.
  if (id < 0 || id >= size() || impl_->pieces[id] != piece) return std::nullopt;
  return id;
}

const std::string* SpModel::id_to_piece(int32_t id) const {
  if (id < 0 || id >= size()) return nullptr;
  return &impl_->pieces[id];
}

int32_t SpModel::size() const { return static_cast<int32_t>(impl_->pieces.size()); }

Json SpModel::added_tokens_json() const {
  Json list = Json::array();
  for (int32_t id = 0; id < size(); ++id) {
    if ((impl_->kinds[id] & 3) == 0) continue;  // control or unknown pieces only
    list.push_back({{"id", id}, {"content", impl_->pieces[id]}, {"single_word", false},
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

std::string SpModel::unk_piece() const { return impl_->unk >= 0 && impl_->unk < size() ? impl_->pieces[impl_->unk] : ""; }
std::string SpModel::bos_piece() const { return impl_->bos >= 0 && impl_->bos < size() ? impl_->pieces[impl_->bos] : ""; }
std::string SpModel::eos_piece() const { return impl_->eos >= 0 && impl_->eos < size() ? impl_->pieces[impl_->eos] : ""; }

}  // namespace llmcp::tokenizer
