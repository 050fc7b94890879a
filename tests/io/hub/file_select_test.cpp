// The default file selection on real Hub listings (meta-llama/Llama-3.1-8B: Meta's original/
// checkpoint beside the safetensors; mistralai/Mistral-7B-Instruct-v0.3: consolidated.safetensors
// beside the sharded ones; an old .bin-only repo), and --include / --exclude. fnmatch semantics are
// also compared with huggingface_hub's filter_repo_objects in tests/hub/cache_interop_test.py.
#include "io/hub/file_select.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace llmcp::io::hub {

using Files = std::vector<std::string>;

TEST(FileSelect, Llama31TakesTheSafetensorsAndLeavesOriginal) {
  const Files repo = {".gitattributes", "LICENSE", "README.md", "USE_POLICY.md", "config.json", "generation_config.json",
                      "model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                      "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors",
                      "model.safetensors.index.json", "original/consolidated.00.pth", "original/params.json",
                      "original/tokenizer.model", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"};
  EXPECT_EQ(select_files(repo, {}, "meta-llama/Llama-3.1-8B"),
            (Files{"LICENSE", "README.md", "USE_POLICY.md", "config.json", "generation_config.json",
                   "model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                   "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors", "model.safetensors.index.json",
                   "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"}));
}

TEST(FileSelect, MistralLeavesConsolidated) {
  const Files repo = {"README.md", "config.json", "consolidated.safetensors", "generation_config.json",
                      "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                      "model-00003-of-00003.safetensors", "model.safetensors.index.json", "params.json",
                      "special_tokens_map.json", "tokenizer.json", "tokenizer.model", "tokenizer.model.v3",
                      "tokenizer_config.json"};
  const auto got = select_files(repo, {}, "mistralai/Mistral-7B-Instruct-v0.3");
  EXPECT_EQ(std::count(got.begin(), got.end(), "consolidated.safetensors"), 0);
  EXPECT_EQ(std::count(got.begin(), got.end(), "tokenizer.model"), 1);
  EXPECT_EQ(std::count(got.begin(), got.end(), "model-00003-of-00003.safetensors"), 1);
}

TEST(FileSelect, BinOnlyReposAreRefusedWithAWayOut) {
  const Files repo = {"config.json", "pytorch_model.bin", "tokenizer.json"};
  try {
    select_files(repo, {}, "old/model");
    FAIL() << "a .bin-only repo needs --include";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("--include '*'"), std::string::npos);
  }
  EXPECT_EQ(select_files(repo, {{"*"}, {}}, "old/model"), repo);
  EXPECT_EQ(select_files({"config.json", "tokenizer.json"}, {}, "config/only"), (Files{"config.json", "tokenizer.json"}));
}

TEST(FileSelect, IncludeAndExclude) {
  const Files repo = {"a.json", "sub/b.json", "sub/deeper/c.json", "w.safetensors"};
  EXPECT_EQ(select_files(repo, {{"*.json"}, {"sub/deeper/*"}}, "x/y"), (Files{"a.json", "sub/b.json"}));
  EXPECT_EQ(select_files(repo, {{"sub/"}, {}}, "x/y"), (Files{"sub/b.json", "sub/deeper/c.json"}));
  EXPECT_EQ(select_files(repo, {{}, {"*.json"}}, "x/y"), (Files{"w.safetensors"}));
  EXPECT_TRUE(matches_any("sub/x.json", {"*.json"}));  // '*' crosses '/', as Python's fnmatch
  EXPECT_FALSE(matches_any("A.JSON", {"*.json"}));     // and is case-sensitive
}

}  // namespace llmcp::io::hub
