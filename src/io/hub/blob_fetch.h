// One file from the Hub into its final place, safely: under an flock on its lock file (the lock
// file huggingface_hub's filelock uses, so neither program writes a blob the other is writing), into
// `<final>.incomplete` continued with an HTTP Range from whatever a killed or interrupted run left,
// retried with backoff on 5xx, resets and stalls, checked against its size and its ETag (sha256 for
// LFS files, the git blob id for the others) and only then renamed into place.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "io/hub/hub_api.h"

namespace llmcp::io::hub {

struct BlobTarget {
  std::string path;                  // the file's path in the repo (for messages)
  std::string url;                   // where to GET it (the store's URL or the resolve URL)
  std::string etag;                  // what it must hash to
  uint64_t size = 0;
  std::filesystem::path final_path;  // blobs/<etag>, or the file in a --local-dir
  std::filesystem::path incomplete_path, lock_path;
};

struct RetryPolicy {
  int attempts = 5;
  long first_backoff_ms = 1000;  // doubled after each failed attempt, at most 8 s
};

// Bytes already in place (resumed) are reported once at the start, then every chunk as it lands.
using BytesCallback = std::function<void(int64_t bytes)>;  // a negative count takes bytes back

// Holds an flock() for its lifetime (the file is created when missing and kept, as filelock does).
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// The size of a file, 0 when it is missing.
uint64_t size_or_zero(const std::filesystem::path& path);
// Sleeps before retry number `attempt` + 1 (1, 2, 4, 8 s by default), waking to throw Cancelled.
void backoff(const RetryPolicy& retry, int attempt, const std::atomic<bool>* cancel);

// Whether `path` holds `size` bytes hashing to `etag`.
bool blob_matches(const std::filesystem::path& path, const std::string& etag, uint64_t size);

// Fetches `t` unless its final file is already there with the right size (the caller re-hashes
// files it found in place before; this check catches one another process completed meanwhile).
// Returns the bytes downloaded now.
uint64_t fetch_blob(HubApi& api, HttpClient& http, const BlobTarget& t, const RetryPolicy& retry,
                    const BytesCallback& on_bytes, const std::atomic<bool>* cancel);

}  // namespace llmcp::io::hub
