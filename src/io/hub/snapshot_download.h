// `llm-mcp download`: a repo's files at one revision into the shared cache (or a --local-dir), as
// huggingface_hub's snapshot_download does, plus what it does not: a free-space check before the
// first byte, resume of any .incomplete file a killed run left, every file verified against its
// ETag, and the snapshot links and refs/ written only once every file is complete. Offline
// (HF_HUB_OFFLINE=1, or the Hub unreachable) it answers from the cache, or says what the cache holds.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/hub/blob_fetch.h"
#include "io/hub/file_select.h"
#include "io/hub/hub_api.h"
#include "io/hub/hub_cache.h"
#include "io/hub/repo_ref.h"

namespace llmcp::io::hub {

struct FileProgress {
  std::string path;
  uint64_t size = 0, done = 0;
};

struct DownloadProgress {
  uint64_t total_bytes = 0, done_bytes = 0;
  size_t files_total = 0, files_done = 0;
  double elapsed_s = 0;
  std::vector<FileProgress> active;  // files being downloaded now
};

struct DownloadRequest {
  RepoRef ref;
  FileFilter filter;
  std::filesystem::path local_dir;  // empty: the cache
  int workers = 8;
  bool verify_cached = true;        // hash files already present (false: their size is enough)
  RetryPolicy retry;
  const std::atomic<bool>* cancel = nullptr;
  // Called from the calling thread about five times a second while files download, and at the end.
  std::function<void(const DownloadProgress&)> on_progress;
};

struct DownloadPlan {
  std::string repo_id, revision, commit;
  std::vector<RepoFile> files;      // selected
  uint64_t total_bytes = 0;         // of the selected files
  uint64_t missing_bytes = 0;       // still to download (what is in place or resumable is not counted)
  uint64_t free_bytes = 0;          // on the destination's file system
  std::filesystem::path destination;
};

struct DownloadResult {
  DownloadPlan plan;
  std::filesystem::path folder;     // snapshots/<commit> or the local dir
  uint64_t downloaded_bytes = 0;
  bool offline = false;             // answered from the cache without the Hub
  std::string note;                 // why, when offline
};

// Asks the Hub for the file list and sizes, selects, and measures what is missing and free.
DownloadPlan plan_download(const HubEnv& env, const DownloadRequest& req);
DownloadResult download(const HubEnv& env, const DownloadRequest& req);

// What the cache holds for `repo_id` ("refs main -> abc1234, snapshots: ...", or "nothing"), for
// errors that have to say it.
std::string describe_cached(const HubCache& cache, const std::string& repo_id);

}  // namespace llmcp::io::hub
