// The two Hub requests a download needs, with huggingface_hub's paths and headers:
//   GET  {endpoint}/api/models/{repo}/revision/{rev}?blobs=true   the commit and every file with
//        its size and LFS sha256 (what the disk check and the progress total need)
//   HEAD {endpoint}/{repo}/resolve/{commit}/{path}                X-Repo-Commit, X-Linked-Etag or
//        ETag (the blob's name), X-Linked-Size or Content-Length, and for LFS files a redirect
//        (Location) to the file store. Relative redirects (a renamed repo) are followed.
// Error responses become core::Errors a person can act on (401, gated 403, 404 repo / revision /
// file, with the Hub's X-Error-Code); 5xx and 429 are TransportErrors marked transient.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/hub/http_client.h"
#include "io/hub/hub_env.h"

namespace llmcp::io::hub {

struct RepoFile {
  std::string path;
  uint64_t size = 0;
  std::string blob_id;  // git blob sha1
  std::string sha256;   // LFS files only
  std::string etag() const { return sha256.empty() ? blob_id : sha256; }
};

struct RepoInfo {
  std::string repo_id, commit;
  bool gated = false;
  std::vector<RepoFile> files;
};

struct FileMeta {
  std::string commit, etag, location;  // location: where to GET (the store's URL, or the resolve URL)
  uint64_t size = 0;
};

class HubApi {
 public:
  HubApi(HubEnv env, HttpClient& http) : env_(std::move(env)), http_(http) {}
  const HubEnv& env() const { return env_; }

  RepoInfo repo_info(const std::string& repo_id, const std::string& revision);
  FileMeta file_meta(const std::string& repo_id, const std::string& commit, const std::string& path);
  // Headers for a request to `url`: the token only goes to the Hub's own origin.
  std::vector<std::string> headers_for(const std::string& url) const;
  std::string resolve_url(const std::string& repo_id, const std::string& revision, const std::string& path) const;

 private:
  HttpResponse get(HttpRequest req);
  HubEnv env_;
  HttpClient& http_;
};

// Throws the error a person can act on for a failed Hub response (`what` says what was asked).
[[noreturn]] void throw_hub_error(const HttpResponse& r, const HubEnv& env, const std::string& repo_id,
                                  const std::string& what);
// An ETag this program accepts as a blob's name: a sha256 (LFS) or a git blob id, in lower-case hex.
bool valid_etag(const std::string& etag);
// huggingface_hub's ETag normalisation: without a W/ prefix and quotes.
std::string normalize_etag(std::string etag);

}  // namespace llmcp::io::hub
