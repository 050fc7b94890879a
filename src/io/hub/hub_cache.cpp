// The huggingface_hub cache layout; see hub_cache.h.
#include "io/hub/hub_cache.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace llmcp::io::hub {
namespace fs = std::filesystem;

void check_repo_path(const std::string& rfilename) {
  bool ok = !rfilename.empty() && rfilename.size() < 4096 && rfilename.front() != '/' &&
            rfilename.find('\\') == std::string::npos && rfilename.find('\0') == std::string::npos;
  size_t start = 0;
  while (ok && start <= rfilename.size()) {
    const auto end = std::min(rfilename.find('/', start), rfilename.size());
    const std::string part = rfilename.substr(start, end - start);
    ok = !part.empty() && part != "." && part != "..";
    start = end + 1;
  }
  LLMCP_CHECK(ok, kMalformedFile, "the Hub listed a file named '", rfilename,
              "', which is not a plain relative path; refusing to write it");
}

fs::path HubCache::repo_dir(const std::string& repo_id) const { return root_ / repo_folder_name(repo_id); }

fs::path HubCache::blob_path(const std::string& repo_id, const std::string& etag) const {
  return repo_dir(repo_id) / "blobs" / etag;
}

fs::path HubCache::snapshot_dir(const std::string& repo_id, const std::string& commit) const {
  return repo_dir(repo_id) / "snapshots" / commit;
}

fs::path HubCache::lock_path(const std::string& repo_id, const std::string& etag) const {
  return root_ / ".locks" / repo_folder_name(repo_id) / (etag + ".lock");
}

std::optional<std::string> HubCache::commit_of(const std::string& repo_id, const std::string& revision) const {
  std::error_code ec;
  if (is_commit_hash(revision) && fs::is_directory(snapshot_dir(repo_id, revision), ec)) return revision;
  const fs::path ref = repo_dir(repo_id) / "refs" / revision;
  if (!fs::is_regular_file(ref, ec)) return std::nullopt;
  std::ifstream in(ref);
  std::string commit;
  in >> commit;
  if (!is_commit_hash(commit)) return std::nullopt;
  return commit;
}

void HubCache::write_ref(const std::string& repo_id, const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;
  const fs::path ref = repo_dir(repo_id) / "refs" / revision;
  fs::create_directories(ref.parent_path());
  core::write_file_atomic(ref, commit);  // huggingface_hub writes the hash without a newline
}

void HubCache::link_snapshot_file(const std::string& repo_id, const std::string& commit, const std::string& rfilename,
                                  const std::string& etag) const {
  check_repo_path(rfilename);
  const fs::path link = snapshot_dir(repo_id, commit) / rfilename;
  fs::create_directories(link.parent_path());
  const fs::path target = blob_path(repo_id, etag).lexically_relative(link.parent_path());
  static std::atomic<uint64_t> counter{0};  // unique per process and call: other writers link the same file
  fs::path temp = link;
  std::string suffix(1, '.');
  suffix.append(std::to_string(::getpid())).append(1, '.').append(std::to_string(counter++)).append(".llmcp-link");
  temp += suffix;
  std::error_code ec;
  fs::remove(temp, ec);
  fs::create_symlink(target, temp, ec);
  LLMCP_CHECK(!ec, kIo, "cannot create the symlink ", link.string(), ": ", ec.message());
  fs::rename(temp, link, ec);  // replaces an older link (or file) in one step
  LLMCP_CHECK(!ec, kIo, "cannot place ", link.string(), ": ", ec.message());
}

std::optional<fs::path> HubCache::snapshot_of(const RepoRef& ref) const {
  const auto commit = commit_of(ref.repo_id, ref.revision);
  if (!commit) return std::nullopt;
  const fs::path dir = snapshot_dir(ref.repo_id, *commit);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  return dir;
}

std::vector<CachedRepo> HubCache::list() const {
  std::vector<CachedRepo> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    const std::string name = e.path().filename().string();
    const auto id = repo_id_of_folder_name(name);
    if (!id || !e.is_directory(ec)) continue;
    CachedRepo r;
    r.dir = e.path();
    r.repo_id = *id;
    const fs::path refs = e.path() / "refs";
    for (auto it = fs::recursive_directory_iterator(refs, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file(ec)) r.refs.push_back(it->path().lexically_relative(refs).string());
    for (const auto& s : fs::directory_iterator(e.path() / "snapshots", ec))
      if (s.is_directory(ec)) r.snapshots.push_back(s.path().filename().string());
    for (const auto& b : fs::directory_iterator(e.path() / "blobs", ec))
      if (b.is_regular_file(ec) && b.path().extension() != ".incomplete") r.blob_bytes += b.file_size(ec);
    std::sort(r.refs.begin(), r.refs.end());
    std::sort(r.snapshots.begin(), r.snapshots.end());
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.repo_id < b.repo_id; });
  return out;
}

}  // namespace llmcp::io::hub
