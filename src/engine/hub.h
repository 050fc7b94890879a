// The Hugging Face Hub for the front ends: download a repo into the cache huggingface_hub shares
// (or a folder), and turn the model references users write into folders. A reference is a folder
// when one exists at that path; otherwise ORG/NAME[@REVISION] names a Hub model, taken from the
// cache, or downloaded first when the caller says so (`--download`, the MCP tool). Torch-free.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::engine {

struct HubFileProgress {
  std::string path;
  double done = 0, size = 0;  // bytes
};
struct HubDownloadProgress {
  double done_bytes = 0, total_bytes = 0, elapsed_s = 0;
  size_t files_done = 0, files_total = 0;
  std::vector<HubFileProgress> active;  // files being downloaded now
};
using HubProgress = std::function<void(const HubDownloadProgress&)>;

struct HubDownloadRequest {
  std::string repo;  // ORG/NAME[@REV]
  std::string revision;  // overrides @REV when set
  std::vector<std::string> include, exclude;
  std::string local_dir;  // empty: the cache
  int workers = 8;
  bool dry_run = false;   // list the files, sizes and free space; download nothing
  bool verify_cached = true;
  const std::atomic<bool>* cancel = nullptr;
  HubProgress on_progress;
};
// {"repo", "revision", "commit", "folder", "files": [{"path", "size"}], "total_bytes",
//  "missing_bytes", "downloaded_bytes", "free_bytes", "offline", "note", "cache"}
nlohmann::json download_from_hub(const HubDownloadRequest& req);

enum class ModelFetch { kCacheOnly, kDownload };
// A folder for `ref`: the path itself when it exists; a Hub reference from the cache (downloading
// it first with kDownload); otherwise `ref` unchanged, for the caller's "no such folder" error.
// Throws kNotFound for a Hub reference the cache lacks, saying how to download it.
std::string resolve_model(const std::string& ref, ModelFetch fetch = ModelFetch::kCacheOnly,
                          const HubProgress& on_progress = {});
// For the planner, which needs only config.json (and the tokenizer, when there is one): a folder;
// a Hub id from the cache; one of the planner's built-in ids; else config.json alone downloaded
// (unless offline). Hub ids the cache lacks cost one small request, never the weights.
std::string model_for_planning(const std::string& ref);
// For a Hub id when the Hub can be reached: what `llm-mcp download` would fetch
// ({"repo", "commit", "files", "total_bytes", "missing_bytes", "free_bytes", "cache"}); null when
// `ref` is not a Hub id, offline, or the Hub cannot be reached.
nlohmann::json hub_download_size(const std::string& ref);
// Whether `ref` is shaped like a Hub reference (ORG/NAME[@REV]), whatever exists on disk.
bool is_hub_id(const std::string& ref);
// Whether `ref` is shaped like a Hub reference and is not an existing path.
bool is_hub_reference(const std::string& ref);
// The Hub id of a folder resolved from the cache (snapshots/<commit>), for adapter_config.json's
// base_model_name_or_path; std::nullopt for other folders.
std::optional<std::string> hub_id_of_folder(const std::string& folder);

// Throws kInvalidArgument unless every file of `folder` (a snapshot) resolves inside the Hub cache,
// symlinks followed: the MCP server reads Hub models only from there.
void check_inside_hub_cache(const std::string& folder);

// The cache's root and its model repos: {"cache", "models": [{"repo", "refs", "snapshots",
// "size_bytes", "folder" (the main ref's snapshot, when there is one)}]}.
nlohmann::json hub_cache_models();

}  // namespace llmcp::engine
