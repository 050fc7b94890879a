// Hub requests and their errors; see hub_api.h.
#include "io/hub/hub_api.h"

#include <nlohmann/json.hpp>

#include <charconv>

#include "io/hub/hub_cache.h"
#include "io/hub/repo_ref.h"

namespace llmcp::io::hub {

bool valid_etag(const std::string& etag) {
  return (etag.size() == 40 || etag.size() == 64) && etag.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

void throw_hub_error(const HttpResponse& r, const HubEnv& env, const std::string& repo_id, const std::string& what) {
  const std::string code = r.header("x-error-code");
  const std::string hub_says = r.header("x-error-message").empty() ? "" : " (the Hub says: " + r.header("x-error-message") + ")";
  const std::string page = env.endpoint + "/" + repo_id;
  const std::string login = "set HF_TOKEN to a token from " + env.endpoint +
                            "/settings/tokens (or log in with `hf auth login`, which writes " +
                            (env.home / "token").string() + ")";
  if (code == "GatedRepo")
    LLMCP_FAIL(kPermissionDenied, repo_id, " is a gated model: open ", page, " while logged in and accept its license, then ",
               env.token.empty() ? login : "make sure the token from " + env.token_source + " belongs to that account",
               hub_says);
  if (r.status == 401) {
    if (env.token.empty())
      LLMCP_FAIL(kPermissionDenied, "the Hub refused ", what, " without a token: ", repo_id,
                 " is private, gated or does not exist; check the id, and if you have access, ", login, hub_says);
    LLMCP_FAIL(kPermissionDenied, "the Hub refused the token from ", env.token_source, " for ", what,
               ": it is invalid or expired, or the account has no access to ", repo_id, " (check the id; create a new "
               "token at ", env.endpoint, "/settings/tokens)", hub_says);
  }
  if (r.status == 403)
    LLMCP_FAIL(kPermissionDenied, "the Hub forbids ", what, env.token.empty() ? "" : " with the token from " + env.token_source,
               ": if ", repo_id, " is gated, accept its license at ", page, "; a fine-grained token also needs read access "
               "to it", hub_says);
  if (r.status == 404 || code == "RepoNotFound" || code == "RevisionNotFound" || code == "EntryNotFound") {
    if (code == "RevisionNotFound")
      LLMCP_FAIL(kNotFound, "no such revision in ", repo_id, " (", what, "): give a branch, a tag or a commit that exists; "
                 "see ", page, "/tree/main", hub_says);
    if (code == "EntryNotFound")
      LLMCP_FAIL(kNotFound, "no such file in ", repo_id, ": ", what, hub_says);
    LLMCP_FAIL(kNotFound, "no model repo ", repo_id, " on ", env.endpoint, " (", what, "): check the spelling (ORG/NAME, "
               "as in the model page's URL)", hub_says);
  }
  if (r.status == 429 || r.status >= 500)
    throw TransportError("the Hub answered HTTP " + std::to_string(r.status) + " for " + what + hub_says, true);
  LLMCP_FAIL(kNetwork, "the Hub answered HTTP ", r.status, " for ", what, hub_says);
}

std::vector<std::string> HubApi::headers_for(const std::string& url) const {
  std::vector<std::string> h;
  if (!env_.token.empty() && url_origin(url) == url_origin(env_.endpoint)) h.push_back("Authorization: Bearer " + env_.token);
  return h;
}

std::string HubApi::resolve_url(const std::string& repo_id, const std::string& revision, const std::string& path) const {
  return env_.endpoint + "/" + repo_id + "/resolve/" + url_quote(revision, false) + "/" + url_quote(path, true);
}

HttpResponse HubApi::get(HttpRequest req) {
  req.headers = headers_for(req.url);
  req.connect_timeout_s = req.stall_timeout_s = env_.metadata_timeout_s;
  return http_.perform(req);
}

RepoInfo HubApi::repo_info(const std::string& repo_id, const std::string& revision) {
  HttpRequest req;
  req.url = env_.endpoint + "/api/models/" + repo_id + "/revision/" + url_quote(revision, false) + "?blobs=true";
  const auto r = get(req);
  const std::string what = "the file list of " + repo_id + "@" + revision;
  if (r.status != 200) throw_hub_error(r, env_, repo_id, what);
  RepoInfo info;
  info.repo_id = repo_id;
  try {
    const auto j = nlohmann::json::parse(r.body);
    info.commit = j.at("sha").get<std::string>();
    if (j.contains("gated") && !j["gated"].is_boolean()) info.gated = true;  // "auto" / "manual"
    if (j.contains("gated") && j["gated"].is_boolean()) info.gated = j["gated"].get<bool>();
    for (const auto& s : j.value("siblings", nlohmann::json::array())) {
      RepoFile f;
      f.path = s.at("rfilename").get<std::string>();
      f.size = s.value("size", uint64_t{0});
      f.blob_id = s.value("blobId", std::string());
      if (s.contains("lfs") && s["lfs"].is_object()) {
        f.sha256 = s["lfs"].value("sha256", std::string());
        f.size = s["lfs"].value("size", f.size);
      }
      if (!valid_etag(f.blob_id)) f.blob_id.clear();  // names a blob: only a hash, or nothing (then HEAD says)
      if (!valid_etag(f.sha256)) f.sha256.clear();
      check_repo_path(f.path);
      info.files.push_back(std::move(f));
    }
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kMalformedFile, "the Hub's answer for ", what, " is not what the Hub API returns (", e.what(),
               "); is HF_ENDPOINT=", env_.endpoint, " a Hugging Face Hub?");
  }
  LLMCP_CHECK(is_commit_hash(info.commit), kMalformedFile, "the Hub's answer for ", what, " has no commit hash (sha: '",
              info.commit, "')");
  return info;
}

FileMeta HubApi::file_meta(const std::string& repo_id, const std::string& commit, const std::string& path) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = resolve_url(repo_id, commit, path);
  HttpResponse r;
  for (int hop = 0;; ++hop) {  // same-origin redirects (a renamed repo) are followed; the file store's is not
    r = get(req);
    std::string loc = r.header("location");
    if (r.status < 300 || r.status >= 400 || loc.empty() || hop == 20) break;
    if (loc.find("://") == std::string::npos) loc = url_origin(req.url) + (loc.front() == '/' ? loc : "/" + loc);
    if (url_origin(loc) != url_origin(req.url)) break;
    req.url = loc;
  }
  const std::string what = path + " at " + commit.substr(0, 10);
  if (r.status >= 400) throw_hub_error(r, env_, repo_id, what);
  FileMeta m;
  m.commit = r.header("x-repo-commit");
  m.etag = normalize_etag(r.header("x-linked-etag").empty() ? r.header("etag") : r.header("x-linked-etag"));
  const std::string size = r.header("x-linked-size").empty() ? r.header("content-length") : r.header("x-linked-size");
  const auto parsed = std::from_chars(size.data(), size.data() + size.size(), m.size);
  LLMCP_CHECK(!size.empty() && parsed.ec == std::errc() && parsed.ptr == size.data() + size.size(), kMalformedFile,
              "the Hub sent no usable size for ", what, " ('", size, "')");
  m.location = (r.status >= 300 && r.status < 400 && !r.header("location").empty()) ? r.header("location") : req.url;
  LLMCP_CHECK(m.commit.empty() || m.commit == commit, kNetwork, "the Hub answered for commit ", m.commit, " when ",
              what, " was asked; the repo changed during the download: run it again");
  LLMCP_CHECK(valid_etag(m.etag), kMalformedFile, "the Hub sent no usable ETag for ", what, " ('", m.etag,
              "': a sha256 or git blob id was expected); without it the file cannot be verified or cached");
  return m;
}

}  // namespace llmcp::io::hub
