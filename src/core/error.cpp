// Names for error codes, used in CLI messages and MCP structured errors.
#include "core/error.h"

#include <new>
#include <optional>
#include <regex>

#include "core/format.h"

namespace llmcp::core {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kMalformedFile: return "malformed_file";
    case ErrorCode::kShapeMismatch: return "shape_mismatch";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kIo: return "io_error";
    case ErrorCode::kNetwork: return "network_error";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

namespace {

// "tried to allocate N bytes" (libtorch's CPU allocator), "Tried to allocate 1.50 GiB" (CUDA).
std::optional<std::string> allocation_size(const std::string& what) {
  static const std::regex bytes(R"([Tt]ried to allocate (\d+) bytes)");
  static const std::regex human(R"([Tt]ried to allocate ([0-9.]+ [KMGT]i?B))");
  std::smatch m;
  if (std::regex_search(what, m, bytes)) return format_bytes(std::stoll(m[1].str()));
  if (std::regex_search(what, m, human)) return m[1].str();
  return std::nullopt;
}

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  // libtorch's "[enforce fail at alloc_cpu.cpp:75] data. " prefix says nothing to a user.
  if (line.rfind("[enforce fail at ", 0) == 0)
    if (auto end = line.find("] "); end != std::string::npos) line = line.substr(end + 2);
  return line;
}

}  // namespace

std::string user_message(const std::exception& e) {
  if (dynamic_cast<const Error*>(&e)) return e.what();
  const std::string what = e.what();
  if (dynamic_cast<const std::bad_alloc*>(&e))
    return "out of memory: an allocation failed; lower batch_size, seq_len, max_new_tokens or the prompt's length, "
           "or use a smaller model or a quantized one (QLoRA)";
  if (auto size = allocation_size(what))
    return "out of memory: an operation asked for " + *size + ", more than this machine could give; lower batch_size, "
           "seq_len, max_new_tokens or the prompt's length, enable gradient_checkpointing, or use a smaller or "
           "quantized model";
  return "internal error: " + first_line(what);
}

ErrorCode user_code(const std::exception& e) {
  if (auto* err = dynamic_cast<const Error*>(&e)) return err->code();
  if (dynamic_cast<const std::bad_alloc*>(&e) || allocation_size(e.what())) return ErrorCode::kIo;
  return ErrorCode::kInternal;
}

}  // namespace llmcp::core
