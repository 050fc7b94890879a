// Where the Hub is and where its cache lives, read from the environment variables huggingface_hub
// reads, with its defaults, so both programs share one cache and one login:
//   HF_ENDPOINT (https://huggingface.co), HF_HOME ($XDG_CACHE_HOME/huggingface or
//   ~/.cache/huggingface), HF_HUB_CACHE (or HUGGINGFACE_HUB_CACHE; $HF_HOME/hub), HF_TOKEN (or
//   the file HF_TOKEN_PATH, $HF_HOME/token, that `hf auth login` writes), HF_HUB_OFFLINE,
//   HF_HUB_DOWNLOAD_TIMEOUT and HF_HUB_ETAG_TIMEOUT (seconds).
#pragma once

#include <filesystem>
#include <string>

namespace llmcp::io::hub {

struct HubEnv {
  std::string endpoint = "https://huggingface.co";
  std::filesystem::path home, cache;
  std::string token;          // empty: anonymous
  std::string token_source;   // "HF_TOKEN", the token file's path, or empty
  bool offline = false;
  long download_timeout_s = 10, metadata_timeout_s = 10;

  static HubEnv from_environment();
};

// huggingface_hub's reading of a boolean variable: 1, ON, YES, TRUE (any case) are true.
bool env_true(const char* name);

}  // namespace llmcp::io::hub
