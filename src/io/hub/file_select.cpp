// Default file selection and glob matching for downloads; see file_select.h.
#include "io/hub/file_select.h"

#include <fnmatch.h>

#include "core/error.h"

namespace llmcp::io::hub {
namespace {

const std::vector<std::string> kDefaultInclude = {
    "*.safetensors", "*.json", "tokenizer.model", "*.jinja", "merges.txt", "README.md", "LICENSE*", "USE_POLICY.md"};
// Other copies of the weights (PyTorch pickles, Meta's original checkpoints, GGUF, ...): the
// safetensors files hold the same tensors, and this program reads only those.
const std::vector<std::string> kDefaultExclude = {"original/*", "consolidated*", "*.bin",  "*.pth",  "*.pt",
                                                  "*.gguf",     "*.h5",          "*.msgpack", "*.onnx", "*.ckpt",
                                                  "*.ot",       "*.pkl"};

std::string normalize(std::string pattern) {
  if (!pattern.empty() && pattern.back() == '/') pattern += '*';  // huggingface_hub: "folder/" = all below
  return pattern;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool matches_any(const std::string& path, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns)
    if (::fnmatch(normalize(p).c_str(), path.c_str(), FNM_NOESCAPE) == 0) return true;
  return false;
}

std::vector<std::string> select_files(const std::vector<std::string>& repo_files, const FileFilter& filter,
                                      const std::string& repo_id) {
  const bool defaults = filter.include.empty();
  if (defaults) {
    bool safetensors = false, other_weights = false;
    for (const auto& f : repo_files) {
      safetensors |= ends_with(f, ".safetensors") && !matches_any(f, kDefaultExclude);
      other_weights |= ends_with(f, ".bin") || ends_with(f, ".pth") || ends_with(f, ".pt") || ends_with(f, ".gguf");
    }
    LLMCP_CHECK(safetensors || !other_weights, kUnsupported, repo_id,
                " has no .safetensors weights (only .bin / .pth / .gguf files), and llm-mcp reads safetensors only: "
                "look for a safetensors revision of the model (many repos have a refs/pr/N with them), or pass "
                "--include '*' to download every file anyway");
  }
  std::vector<std::string> out;
  for (const auto& f : repo_files) {
    const bool in = defaults ? matches_any(f, kDefaultInclude) && !matches_any(f, kDefaultExclude)
                             : matches_any(f, filter.include);
    if (in && !matches_any(f, filter.exclude)) out.push_back(f);
  }
  return out;
}

}  // namespace llmcp::io::hub
