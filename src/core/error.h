// One error type for the whole program, with a code that callers (CLI exit status, MCP
// isError results) can act on. Every message should say what to fix, not only what broke.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace llmcp::core {

enum class ErrorCode {
  kInvalidArgument,  // the user's input (flag, config key, value) is wrong
  kNotFound,         // a file, tensor, model or adapter does not exist
  kMalformedFile,    // a file exists but its contents break its format
  kShapeMismatch,    // a tensor has the wrong shape or dtype
  kUnsupported,      // valid input we do not handle (yet): says what is supported
  kIo,               // the operating system refused (disk full, permissions)
  kNetwork,          // a remote server could not be reached or failed (retrying may help)
  kPermissionDenied, // a remote server refused the credentials (or their absence)
  kInternal,         // a bug of ours
};

const char* error_code_name(ErrorCode code);

// What a boundary (the CLI's main, an MCP tool call, a training job's error.json) tells the user
// about any exception. A core::Error is its message. Anything else (a libtorch or standard-library
// failure) is "internal error: " and its first line only, never libtorch's stack frames; an
// allocation failure says how much memory was asked for and what to lower instead.
std::string user_message(const std::exception& e);
// The code a boundary reports for `e` (kInternal for anything but a core::Error or an allocation
// failure, which is kIo: the machine ran out, not a bug).
ErrorCode user_code(const std::exception& e);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

namespace detail {
// Builds the message lazily so a passing check costs nothing.
template <typename... Args>
[[noreturn]] void fail(ErrorCode code, const Args&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  throw Error(code, os.str());
}
}  // namespace detail

}  // namespace llmcp::core

// LLMCP_CHECK(cond, code, "message parts", value, ...) throws core::Error when cond is false.
#define LLMCP_CHECK(cond, code, ...)                                      \
  do {                                                                    \
    if (!(cond)) ::llmcp::core::detail::fail(::llmcp::core::ErrorCode::code, __VA_ARGS__); \
  } while (0)

#define LLMCP_FAIL(code, ...) ::llmcp::core::detail::fail(::llmcp::core::ErrorCode::code, __VA_ARGS__)
