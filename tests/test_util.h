// Shared helpers for tests: temporary folders, running reference programs, repo paths.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace llmcp::testing {

inline std::filesystem::path source_dir() { return LLMCP_SOURCE_DIR; }

// The llm-mcp executable under test (ctest sets LLMCP_CLI to the built target).
inline std::string cli_path() {
  const char* p = std::getenv("LLMCP_CLI");
  return p ? p : LLMCP_BINARY_DIR "/src/cli/llm-mcp";
}

// A fresh folder under the system temp dir, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("llmcp-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& s) const { return path_ / s; }

 private:
  std::filesystem::path path_;
};

// Runs a shell command, returns its exit status (-1 if killed) and captured stdout+stderr.
struct CommandResult {
  int status;
  std::string output;
};
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r{-1, {}};
  FILE* p = ::popen(("(" + cmd + ") 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The pinned Python environment (tools/python/requirements.lock: the same torch the engine links,
// transformers, PEFT, ...), set by `make test`. Empty when unset: the caller fails with a hint.
inline std::string pinned_python() {
  const char* env = std::getenv("LLMCP_PYTHON");
  return env ? env : "";
}

// Debian's python3-sentencepiece is importable only from /usr/bin/python3.
inline std::string reference_python() {
  const char* env = std::getenv("LLMCP_REFERENCE_PYTHON");
  return env ? env : "/usr/bin/python3";
}

}  // namespace llmcp::testing
