// The cache huggingface_hub and transformers use, read and written in their layout so a model
// fetched by either program is used by the other without a copy:
//   <cache>/models--ORG--NAME/blobs/<etag>            file contents, named by ETag (sha256 for LFS)
//   <cache>/models--ORG--NAME/blobs/<etag>.incomplete a download in progress (resumed with Range)
//   <cache>/models--ORG--NAME/snapshots/<commit>/<path> relative symlink to ../../blobs/<etag>
//   <cache>/models--ORG--NAME/refs/<revision>         the commit a branch or tag pointed to
//   <cache>/.locks/models--ORG--NAME/<etag>.lock      flock()ed while a blob is written (filelock's)
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "io/hub/repo_ref.h"

namespace llmcp::io::hub {

// Throws kMalformedFile unless `rfilename` (a path a server listed) is a plain relative path:
// no leading '/', no "." or ".." component, no empty component, no backslash or NUL.
void check_repo_path(const std::string& rfilename);

struct CachedRepo {
  std::string repo_id;
  std::filesystem::path dir;
  std::vector<std::string> refs;       // "main", ... (refs/ entries)
  std::vector<std::string> snapshots;  // commit hashes
  uint64_t blob_bytes = 0;             // complete blobs only
};

class HubCache {
 public:
  explicit HubCache(std::filesystem::path root) : root_(std::move(root)) {}
  const std::filesystem::path& root() const { return root_; }

  std::filesystem::path repo_dir(const std::string& repo_id) const;
  std::filesystem::path blob_path(const std::string& repo_id, const std::string& etag) const;
  std::filesystem::path snapshot_dir(const std::string& repo_id, const std::string& commit) const;
  std::filesystem::path lock_path(const std::string& repo_id, const std::string& etag) const;

  // The commit a revision names in the cache: a commit hash with a snapshot folder, or the
  // content of refs/<revision>.
  std::optional<std::string> commit_of(const std::string& repo_id, const std::string& revision) const;
  // refs/<revision> := commit (atomic; nothing when the revision is the commit itself).
  void write_ref(const std::string& repo_id, const std::string& revision, const std::string& commit) const;
  // snapshots/<commit>/<rfilename> -> ../../blobs/<etag> (relative, as huggingface_hub makes it),
  // replacing what was there atomically.
  void link_snapshot_file(const std::string& repo_id, const std::string& commit, const std::string& rfilename,
                          const std::string& etag) const;

  // The snapshot folder of a reference, when the cache holds it.
  std::optional<std::filesystem::path> snapshot_of(const RepoRef& ref) const;
  // Every model repo in the cache (models--*), sorted by id.
  std::vector<CachedRepo> list() const;

 private:
  std::filesystem::path root_;
};

}  // namespace llmcp::io::hub
