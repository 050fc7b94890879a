// Which of a repo's files a download takes. With --include, exactly the files matching one of its
// glob patterns (huggingface_hub's allow_patterns); otherwise what llm-mcp needs to load, train and
// chat: safetensors weights (never .bin / .pth / original/ / consolidated* copies of the same
// weights), config.json, generation_config.json, tokenizer files, chat templates, README and
// license. --exclude removes files in both cases. Globs are fnmatch's, as in huggingface_hub: '*'
// also matches '/', and a pattern ending in '/' means everything below that folder.
#pragma once

#include <string>
#include <vector>

namespace llmcp::io::hub {

struct FileFilter {
  std::vector<std::string> include;  // empty: the defaults above
  std::vector<std::string> exclude;
};

bool matches_any(const std::string& path, const std::vector<std::string>& patterns);

// The selected paths, in the input's order. Throws kUnsupported when the defaults apply and the
// repo holds weights only in formats this program cannot read (it says how to take them anyway).
std::vector<std::string> select_files(const std::vector<std::string>& repo_files, const FileFilter& filter,
                                      const std::string& repo_id);

}  // namespace llmcp::io::hub
