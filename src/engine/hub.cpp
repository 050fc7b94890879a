// The Hub facade over io/hub; see hub.h.
#include "engine/hub.h"

#include <filesystem>

#include "core/error.h"
#include "core/workspace.h"
#include "engine/planning.h"
#include "io/hub/snapshot_download.h"

namespace llmcp::engine {
namespace fs = std::filesystem;
namespace hub = io::hub;
namespace {

HubDownloadProgress progress_of(const hub::DownloadProgress& p) {
  HubDownloadProgress out;
  out.done_bytes = static_cast<double>(p.done_bytes);
  out.total_bytes = static_cast<double>(p.total_bytes);
  out.elapsed_s = p.elapsed_s;
  out.files_done = p.files_done;
  out.files_total = p.files_total;
  for (const auto& f : p.active)
    out.active.push_back({f.path, static_cast<double>(f.done), static_cast<double>(f.size)});
  return out;
}

hub::DownloadRequest to_io(const HubDownloadRequest& req) {
  hub::DownloadRequest r;
  r.ref = hub::parse_repo_ref_or_throw(req.repo, true);
  if (!req.revision.empty()) {
    LLMCP_CHECK(!r.ref.revision_given || r.ref.revision == req.revision, kInvalidArgument, "the revision is given twice ('",
                req.repo, "' and --revision ", req.revision, "): give one");
    r.ref = hub::parse_repo_ref_or_throw(r.ref.repo_id + "@" + req.revision, true);
  }
  r.filter = {req.include, req.exclude};
  r.local_dir = req.local_dir;
  LLMCP_CHECK(req.workers >= 1 && req.workers <= 64, kInvalidArgument, "workers must be 1 to 64 (got ", req.workers, ")");
  r.workers = req.workers;
  r.verify_cached = req.verify_cached;
  r.cancel = req.cancel;
  if (req.on_progress) r.on_progress = [cb = req.on_progress](const hub::DownloadProgress& p) { cb(progress_of(p)); };
  return r;
}

nlohmann::json plan_json(const hub::DownloadPlan& plan, const hub::HubEnv& env) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : plan.files) files.push_back({{"path", f.path}, {"size", f.size}});
  return {{"repo", plan.repo_id}, {"revision", plan.revision}, {"commit", plan.commit}, {"files", files},
          {"total_bytes", plan.total_bytes}, {"missing_bytes", plan.missing_bytes}, {"free_bytes", plan.free_bytes},
          {"cache", env.cache.string()}, {"endpoint", env.endpoint}};
}

}  // namespace

nlohmann::json download_from_hub(const HubDownloadRequest& req) {
  const auto env = hub::HubEnv::from_environment();
  const auto r = to_io(req);
  if (req.dry_run) {
    LLMCP_CHECK(!env.offline, kInvalidArgument, "HF_HUB_OFFLINE is set: a dry run asks the Hub for the file list; unset it");
    auto j = plan_json(hub::plan_download(env, r), env);
    j["dry_run"] = true;
    return j;
  }
  const auto result = hub::download(env, r);
  auto j = plan_json(result.plan, env);
  j["folder"] = result.folder.string();
  j["downloaded_bytes"] = result.downloaded_bytes;
  j["offline"] = result.offline;
  if (!result.note.empty()) j["note"] = result.note;
  return j;
}

bool is_hub_id(const std::string& ref) { return hub::parse_repo_ref(ref).has_value(); }

bool is_hub_reference(const std::string& ref) {
  std::error_code ec;
  return hub::parse_repo_ref(ref).has_value() && !fs::exists(fs::symlink_status(ref, ec));
}

std::string resolve_model(const std::string& ref, ModelFetch fetch, const HubProgress& on_progress) {
  if (!is_hub_reference(ref)) return ref;
  if (fetch == ModelFetch::kDownload) {
    HubDownloadRequest req;
    req.repo = ref;
    req.verify_cached = false;  // sizes are checked; `llm-mcp download` re-hashes what is cached
    req.on_progress = on_progress;
    return download_from_hub(req)["folder"].get<std::string>();
  }
  const auto parsed = *hub::parse_repo_ref(ref);
  const auto env = hub::HubEnv::from_environment();
  const hub::HubCache cache(env.cache);
  if (auto snap = cache.snapshot_of(parsed)) return snap->string();
  LLMCP_FAIL(kNotFound, "'", ref, "' is not a folder, and the Hugging Face cache (", env.cache.string(),
             ") does not hold that model (it holds for ", parsed.repo_id, ": ", hub::describe_cached(cache, parsed.repo_id),
             "): download it first with `llm-mcp download ", ref, "` (or add --download; MCP: the download_model tool)");
}

std::string model_for_planning(const std::string& ref) {
  if (!is_hub_reference(ref)) return ref;
  const auto parsed = *hub::parse_repo_ref(ref);
  const auto env = hub::HubEnv::from_environment();
  const hub::HubCache cache(env.cache);
  std::error_code ec;
  if (auto snap = cache.snapshot_of(parsed); snap && fs::exists(*snap / "config.json", ec)) return snap->string();
  if (planning_knows(ref)) return ref;
  if (env.offline) return resolve_model(ref);  // the cache lacks it: that error
  HubDownloadRequest req;
  req.repo = ref;
  req.include = {"config.json"};
  req.verify_cached = false;
  return download_from_hub(req)["folder"].get<std::string>();
}

nlohmann::json hub_download_size(const std::string& ref) {
  if (!is_hub_reference(ref) || hub::HubEnv::from_environment().offline) return nullptr;
  HubDownloadRequest req;
  req.repo = ref;
  req.dry_run = true;
  req.verify_cached = false;
  try {
    auto j = download_from_hub(req);
    j.erase("dry_run");
    return j;
  } catch (const hub::TransportError&) {
    return nullptr;
  }
}

std::optional<std::string> hub_id_of_folder(const std::string& folder) {
  const fs::path snap = fs::path(folder).lexically_normal();
  const fs::path repo_dir = snap.parent_path().parent_path();
  if (snap.parent_path().filename() != "snapshots") return std::nullopt;
  return hub::repo_id_of_folder_name(repo_dir.filename().string());
}

void check_inside_hub_cache(const std::string& folder) {
  const auto env = hub::HubEnv::from_environment();
  const fs::path root = core::resolve_links(env.cache);
  LLMCP_CHECK(core::path_within(core::resolve_links(folder), root), kInvalidArgument, folder,
              " is not inside the Hugging Face cache ", root.string());
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path real = core::resolve_links(it->path());
    LLMCP_CHECK(core::path_within(real, root), kInvalidArgument, it->path().string(), " leads to ", real.string(),
                ", outside the Hugging Face cache ", root.string(), "; the server does not read it");
  }
}

nlohmann::json hub_cache_models() {
  const auto env = hub::HubEnv::from_environment();
  const hub::HubCache cache(env.cache);
  nlohmann::json models = nlohmann::json::array();
  for (const auto& r : cache.list()) {
    nlohmann::json m{{"repo", r.repo_id}, {"refs", r.refs}, {"snapshots", r.snapshots}, {"size_bytes", r.blob_bytes}};
    if (auto snap = cache.snapshot_of({r.repo_id, "main", false})) m["folder"] = snap->string();
    models.push_back(m);
  }
  return {{"cache", env.cache.string()}, {"models", models}};
}

}  // namespace llmcp::engine
