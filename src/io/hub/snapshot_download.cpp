// Plan, check, fetch in parallel, then publish; see snapshot_download.h.
#include "io/hub/snapshot_download.h"

#include <sys/statvfs.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "core/atomic_file.h"
#include "core/format.h"
#include "core/log.h"

namespace llmcp::io::hub {
namespace fs = std::filesystem;
namespace {

uint64_t free_space(fs::path p) {
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec)) p = p.parent_path();
  struct statvfs s {};
  if (p.empty() || ::statvfs(p.c_str(), &s) != 0) return UINT64_MAX;  // unknown: do not refuse
  return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
}

// Where one file goes, by mode: blobs/<etag> in the cache, or the file itself in a local dir
// (with huggingface_hub's metadata beside it under .cache/huggingface/download/).
struct Layout {
  const HubCache& cache;
  const DownloadRequest& req;
  bool local() const { return !req.local_dir.empty(); }
  fs::path meta_dir() const { return req.local_dir / ".cache" / "huggingface" / "download"; }
  BlobTarget target(const std::string& path, const std::string& etag, uint64_t size) const {
    BlobTarget t;
    t.path = path;
    t.etag = etag;
    t.size = size;
    if (local()) {
      t.final_path = req.local_dir / path;
      t.incomplete_path = meta_dir() / (path + "." + etag + ".incomplete");
      t.lock_path = meta_dir() / (path + ".lock");
    } else {
      t.final_path = cache.blob_path(req.ref.repo_id, etag);
      t.incomplete_path = fs::path(t.final_path.string() + ".incomplete");
      t.lock_path = cache.lock_path(req.ref.repo_id, etag);
    }
    return t;
  }
  // In a local dir a file counts as present only with metadata naming the same ETag.
  bool present(const BlobTarget& t) const {
    std::error_code ec;
    if (size_or_zero(t.final_path) != t.size || !fs::is_regular_file(t.final_path, ec)) return false;
    if (!local()) return true;
    std::string meta;
    try {
      meta = core::read_file(meta_dir() / (t.path + ".metadata"));
    } catch (const core::Error&) {
      return false;
    }
    const auto first = meta.find('\n');
    return first != std::string::npos && meta.compare(first + 1, t.etag.size() + 1, t.etag + "\n") == 0;
  }
  void publish_local(const std::string& path, const std::string& commit, const std::string& etag) const {
    const auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    fs::create_directories((meta_dir() / path).parent_path());
    core::write_file_atomic(meta_dir() / (path + ".metadata"), commit + "\n" + etag + "\n" + std::to_string(now) + "\n");
  }
};

template <typename F>
auto with_retries(const RetryPolicy& retry, const std::atomic<bool>* cancel, const std::string& what, F f) {
  for (int attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const TransportError& e) {
      if (!e.transient() || attempt >= retry.attempts) throw;
      core::log_warn(what, ": ", e.what(), "; retrying (attempt ", attempt + 1, " of ", retry.attempts, ")");
      backoff(retry, attempt, cancel);
    }
  }
}

// The progress every worker adds to, read by the calling thread.
struct Tracker {
  std::mutex mu;
  std::condition_variable cv;
  DownloadProgress p;
  std::vector<FileProgress*> active;
  size_t running = 0;
  std::exception_ptr error;
  std::atomic<bool> stop{false};
};

}  // namespace

std::string describe_cached(const HubCache& cache, const std::string& repo_id) {
  for (const auto& r : cache.list()) {
    if (r.repo_id != repo_id) continue;
    std::string s;
    for (const auto& ref : r.refs)
      if (auto c = cache.commit_of(repo_id, ref)) s += (s.empty() ? "" : ", ") + ref + " -> " + c->substr(0, 10);
    for (const auto& c : r.snapshots) s += (s.empty() ? "snapshot " : ", snapshot ") + c.substr(0, 10);
    return s.empty() ? "an empty folder" : s;
  }
  return "nothing";
}

DownloadPlan plan_download(const HubEnv& env, const DownloadRequest& req) {
  HttpClient http;
  HubApi api(env, http);
  const RepoInfo info = with_retries(req.retry, req.cancel, "file list of " + req.ref.repo_id,
                                     [&] { return api.repo_info(req.ref.repo_id, req.ref.revision); });
  std::vector<std::string> names;
  for (const auto& f : info.files) names.push_back(f.path);
  const auto selected = select_files(names, req.filter, req.ref.repo_id);
  if (selected.empty()) {
    std::string listing;
    for (size_t i = 0; i < names.size() && i < 20; ++i) listing += (i ? ", " : "") + names[i];
    LLMCP_FAIL(kInvalidArgument, "no file of ", req.ref.repo_id, "@", req.ref.revision,
               " matches the --include / --exclude patterns; the repo has: ", listing.empty() ? "no files" : listing,
               names.size() > 20 ? ", ..." : "");
  }
  DownloadPlan plan;
  plan.repo_id = req.ref.repo_id;
  plan.revision = req.ref.revision;
  plan.commit = info.commit;
  const HubCache cache(env.cache);
  const Layout layout{cache, req};
  plan.destination = layout.local() ? req.local_dir : cache.repo_dir(req.ref.repo_id);
  for (const auto& f : info.files) {
    if (std::find(selected.begin(), selected.end(), f.path) == selected.end()) continue;
    plan.files.push_back(f);
    plan.total_bytes += f.size;
    const auto t = layout.target(f.path, f.etag(), f.size);
    if (!layout.present(t)) plan.missing_bytes += f.size - std::min(f.size, size_or_zero(t.incomplete_path));
  }
  plan.free_bytes = free_space(plan.destination);
  return plan;
}

DownloadResult download(const HubEnv& env, const DownloadRequest& req) {
  const HubCache cache(env.cache);
  DownloadResult result;
  auto from_cache = [&](const std::string& why) {
    const auto snap = cache.snapshot_of(req.ref);
    LLMCP_CHECK(snap.has_value(), kNotFound, why, "; the cache ", cache.root().string(), " holds for ",
                req.ref.repo_id, ": ", describe_cached(cache, req.ref.repo_id));
    result.folder = *snap;
    result.offline = true;
    result.note = why;
    result.plan.repo_id = req.ref.repo_id;
    result.plan.revision = req.ref.revision;
    result.plan.commit = snap->filename().string();
    return result;
  };
  if (env.offline)
    return from_cache("HF_HUB_OFFLINE is set, so " + req.ref.repo_id + "@" + req.ref.revision +
                      " must come from the cache (unset it to download)");
  try {
    result.plan = plan_download(env, req);
  } catch (const TransportError& e) {
    if (!req.local_dir.empty()) throw;
    return from_cache(std::string("cannot reach the Hub at ") + env.endpoint + " (" + e.what() + ")");
  }
  DownloadPlan& plan = result.plan;
  std::error_code ec;
  fs::create_directories(plan.destination, ec);
  LLMCP_CHECK(!ec, kIo, "cannot create ", plan.destination.string(), ": ", ec.message(), "; ",
              req.local_dir.empty() ? "set HF_HOME or HF_HUB_CACHE to a folder you can write" : "choose another --local-dir");
  plan.free_bytes = free_space(plan.destination);
  LLMCP_CHECK(plan.free_bytes >= plan.missing_bytes, kIo, "not enough disk space for ", plan.repo_id, ": ",
              core::format_bytes(plan.missing_bytes), " to download, ", core::format_bytes(plan.free_bytes), " free at ",
              plan.destination.string(), ". Free some space, choose files with --include / --exclude, or set ",
              req.local_dir.empty() ? "HF_HUB_CACHE to a larger disk" : "--local-dir to a larger disk");
  const Layout layout{cache, req};
  Tracker tr;
  tr.p.files_total = plan.files.size();
  tr.p.total_bytes = plan.total_bytes;
  std::vector<FileProgress> files(plan.files.size());
  std::vector<std::string> etags(plan.files.size());
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> downloaded{0};
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    HttpClient http;
    HubApi api(env, http);
    for (size_t i; !tr.stop && (i = next++) < plan.files.size();) {
      const RepoFile& f = plan.files[i];
      try {
        if (req.cancel && req.cancel->load()) throw Cancelled();
        BlobTarget t = layout.target(f.path, f.etag(), f.size);
        if (!f.etag().empty() && layout.present(t) && req.verify_cached && !blob_matches(t.final_path, t.etag, t.size)) {
          core::log_warn(f.path, " on disk does not match its checksum ", t.etag, ": fetching it again");
          fs::remove(t.final_path);
        }
        if (f.etag().empty() || !layout.present(t)) {
          const auto meta = with_retries(req.retry, req.cancel, f.path, [&] { return api.file_meta(plan.repo_id, plan.commit, f.path); });
          t = layout.target(f.path, meta.etag, meta.size);
          t.url = meta.location;
        }
        {
          std::lock_guard lock(tr.mu);
          files[i] = {f.path, t.size, 0};
          tr.active.push_back(&files[i]);
        }
        downloaded += fetch_blob(api, http, t, req.retry, [&](int64_t n) {
          std::lock_guard lock(tr.mu);
          files[i].done += n;
          tr.p.done_bytes += n;
        }, req.cancel);
        if (layout.local()) layout.publish_local(f.path, plan.commit, t.etag);
        std::lock_guard lock(tr.mu);
        etags[i] = t.etag;
        ++tr.p.files_done;
        tr.active.erase(std::find(tr.active.begin(), tr.active.end(), &files[i]));
      } catch (...) {
        std::lock_guard lock(tr.mu);
        if (!tr.error) tr.error = std::current_exception();
        tr.stop = true;
      }
    }
    std::lock_guard lock(tr.mu);
    --tr.running;
    tr.cv.notify_all();
  };
  const size_t n_workers = std::max<size_t>(1, std::min<size_t>(req.workers, plan.files.size()));
  std::vector<std::thread> threads;
  tr.running = n_workers;
  for (size_t w = 0; w < n_workers; ++w) threads.emplace_back(worker);
  auto report = [&](std::unique_lock<std::mutex>&) {
    if (!req.on_progress) return;
    tr.p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    tr.p.active.clear();
    for (const auto* f : tr.active) tr.p.active.push_back(*f);
    req.on_progress(tr.p);
  };
  {
    std::unique_lock lock(tr.mu);
    while (tr.running > 0) {
      tr.cv.wait_for(lock, std::chrono::milliseconds(200));
      if (tr.running > 0 && !tr.error) report(lock);
    }
    if (!tr.error) report(lock);
  }
  for (auto& t : threads) t.join();
  if (tr.error) std::rethrow_exception(tr.error);
  // Every file is complete and verified: only now does the snapshot (or the local dir's marker) appear.
  if (layout.local()) {
    fs::create_directories(req.local_dir / ".cache" / "huggingface");
    core::write_file_atomic(req.local_dir / ".cache" / "huggingface" / ".gitignore", "*\n");
    result.folder = req.local_dir;
  } else {
    for (size_t i = 0; i < plan.files.size(); ++i)
      cache.link_snapshot_file(plan.repo_id, plan.commit, plan.files[i].path, etags[i]);
    cache.write_ref(plan.repo_id, plan.revision, plan.commit);
    result.folder = cache.snapshot_dir(plan.repo_id, plan.commit);
  }
  result.downloaded_bytes = downloaded;
  return result;
}

}  // namespace llmcp::io::hub
