// Strict validation of a safetensors image: every check that protects the reader from a
// malformed or hostile file (lengths, JSON, dtypes, shapes, offsets, overlaps, gaps).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/error.h"
#include "io/safetensors.h"

namespace llmcp::io {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // same bound as the reference implementation

// Multiplies with overflow detection; returns false on overflow.
bool mul_ok(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

struct Entry {
  TensorView view;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& name, const nlohmann::json& j, const std::string& source) {
  auto bad = [&](const std::string& what) {
    LLMCP_FAIL(kMalformedFile, source, ": tensor '", name, "': ", what);
  };
  if (!j.is_object()) bad("entry is not a JSON object");
  if (!j.contains("dtype") || !j["dtype"].is_string()) bad("missing string field 'dtype'");
  if (!j.contains("shape") || !j["shape"].is_array()) bad("missing array field 'shape'");
  if (!j.contains("data_offsets") || !j["data_offsets"].is_array() || j["data_offsets"].size() != 2)
    bad("'data_offsets' must be an array of two integers");
  Entry e;
  e.view.name = name;
  std::string dt = j["dtype"].get<std::string>();
  auto dtype = core::dtype_from_name(dt);
  if (!dtype) bad("unknown dtype '" + dt + "' (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  e.view.dtype = *dtype;
  uint64_t count = 1, nonzero = 1;  // `nonzero` catches [2^62, 4, 0], whose count is 0
  for (const auto& d : j["shape"]) {
    if (!d.is_number_unsigned()) bad("shape entries must be non-negative integers");
    uint64_t v = d.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) || !mul_ok(count, v, &count) ||
        (v != 0 && (!mul_ok(nonzero, v, &nonzero) ||
                    nonzero > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))))
      bad("shape " + j["shape"].dump() + " overflows");
    e.view.shape.push_back(static_cast<int64_t>(v));
  }
  for (const auto& o : j["data_offsets"])
    if (!o.is_number_unsigned()) bad("data_offsets must be non-negative integers");
  e.begin = j["data_offsets"][0].get<uint64_t>();
  e.end = j["data_offsets"][1].get<uint64_t>();
  if (e.end < e.begin) bad("data_offsets end " + std::to_string(e.end) + " < begin " + std::to_string(e.begin));
  uint64_t nbytes = 0;
  if (!mul_ok(count, core::dtype_size(e.view.dtype), &nbytes)) bad("byte size overflows");
  if (nbytes != e.end - e.begin)
    bad("shape " + j["shape"].dump() + " of " + dt + " needs " + std::to_string(nbytes) +
        " bytes but data_offsets span " + std::to_string(e.end - e.begin));
  e.view.nbytes = static_cast<size_t>(nbytes);
  return e;
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

ParsedSafetensors parse_safetensors(std::span<const std::byte> bytes, const std::string& source) {
  LLMCP_CHECK(bytes.size() >= 8, kMalformedFile, source, ": file is ", bytes.size(),
              " bytes, too short for a safetensors header (is it truncated?)");
  uint64_t n = read_u64_le(bytes.data());
  LLMCP_CHECK(n <= kMaxHeaderBytes, kMalformedFile, source, ": header length ", n,
              " exceeds the 100 MiB limit (not a safetensors file?)");
  LLMCP_CHECK(n <= bytes.size() - 8, kMalformedFile, source, ": header length ", n,
              " runs past the end of the ", bytes.size(), "-byte file (truncated?)");
  LLMCP_CHECK(n >= 2, kMalformedFile, source, ": header length ", n, " is too small for a JSON object");
  const char* hdr = reinterpret_cast<const char*>(bytes.data() + 8);
  LLMCP_CHECK(hdr[0] == '{', kMalformedFile, source, ": header does not start with '{'");
  nlohmann::json j = nlohmann::json::parse(hdr, hdr + n, nullptr, /*allow_exceptions=*/false);
  LLMCP_CHECK(!j.is_discarded(), kMalformedFile, source, ": header is not valid JSON");
  LLMCP_CHECK(j.is_object(), kMalformedFile, source, ": header is not a JSON object");

  const uint64_t data_size = bytes.size() - 8 - n;
  const std::byte* data = bytes.data() + 8 + n;
  ParsedSafetensors out;
  std::vector<Entry> entries;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      LLMCP_CHECK(it->is_object(), kMalformedFile, source, ": __metadata__ must be an object of strings");
      for (auto m = it->begin(); m != it->end(); ++m) {
        LLMCP_CHECK(m->is_string(), kMalformedFile, source, ": __metadata__ value for '", m.key(),
                    "' is not a string");
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(it.key(), *it, source));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (auto& e : entries) {
    LLMCP_CHECK(e.begin >= expected, kMalformedFile, source, ": tensor '", e.view.name,
                "' overlaps the previous tensor (offset ", e.begin, " < ", expected, ")");
    LLMCP_CHECK(e.begin == expected, kMalformedFile, source, ": gap before tensor '", e.view.name,
                "' (offset ", e.begin, ", expected ", expected, ")");
    LLMCP_CHECK(e.end <= data_size, kMalformedFile, source, ": tensor '", e.view.name,
                "' ends at byte ", e.end, " past the data section of ", data_size,
                " bytes (truncated file?)");
    e.view.data = data + e.begin;
    expected = e.end;
    out.tensors.push_back(std::move(e.view));
  }
  LLMCP_CHECK(expected == data_size, kMalformedFile, source, ": ", data_size - expected,
              " trailing bytes after the last tensor");
  return out;
}

}  // namespace llmcp::io
