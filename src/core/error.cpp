// Names for error codes, used in CLI messages and MCP structured errors.
#include "core/error.h"

namespace llmcp::core {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kMalformedFile: return "malformed_file";
    case ErrorCode::kShapeMismatch: return "shape_mismatch";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kIo: return "io_error";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace llmcp::core
