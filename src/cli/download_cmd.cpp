// `llm-mcp download REPO_ID`: a Hugging Face Hub model into the cache huggingface_hub and
// transformers share (or --local-dir), with progress bars, resumable after Ctrl-C or a kill.
// Prints the folder on stdout (so `$(llm-mcp download ID)` is the model's path), --json the record.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "cli/download_progress.h"
#include "cli/flag_checks.h"
#include "core/error.h"
#include "core/format.h"
#include "engine/hub.h"

namespace llmcp::cli {
namespace {

std::atomic<bool> g_cancel{false};
extern "C" void on_download_signal(int) {
  if (g_cancel.exchange(true)) ::_exit(130);
  static const char msg[] = "\nllm-mcp: stopping the download (what arrived is kept; run the command again to resume)\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
}

struct DownloadArgs {
  engine::HubDownloadRequest req;
  bool json = false;
};

void print_plan(const nlohmann::json& j) {
  std::cout << j["repo"].get<std::string>() << "@" << j["revision"].get<std::string>() << " (commit "
            << j["commit"].get<std::string>() << ") on " << j["endpoint"].get<std::string>() << "\n";
  for (const auto& f : j["files"])
    std::cout << "  " << std::left << std::setw(48) << f["path"].get<std::string>() << std::right << std::setw(12)
              << core::format_bytes(f["size"].get<int64_t>()) << "\n";
  std::cout << j["files"].size() << " files, " << core::format_bytes(j["total_bytes"].get<int64_t>()) << "; to download: "
            << core::format_bytes(j["missing_bytes"].get<int64_t>()) << "; free at the destination: "
            << core::format_bytes(j["free_bytes"].get<int64_t>()) << "\n";
}

void run(DownloadArgs& a) {
  struct sigaction sa {};
  sa.sa_handler = on_download_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  a.req.cancel = &g_cancel;
  DownloadProgress bars;
  a.req.on_progress = [&bars](const engine::HubDownloadProgress& p) { bars(p); };
  nlohmann::json j;
  try {
    j = engine::download_from_hub(a.req);
  } catch (const core::Error&) {
    bars.finish();
    if (!g_cancel) throw;
    std::cerr << "llm-mcp: download stopped; the next `llm-mcp download " << a.req.repo << "` continues where it left off\n";
    exit_status() = 130;
    return;
  }
  bars.finish();
  if (a.json) {
    std::cout << j.dump(2) << std::endl;
  } else if (a.req.dry_run) {
    print_plan(j);
  } else {
    if (j["offline"].get<bool>()) std::cerr << "llm-mcp: " << j["note"].get<std::string>() << "; using the cached snapshot\n";
    else
      std::cerr << "llm-mcp: " << j["repo"].get<std::string>() << " at " << j["commit"].get<std::string>().substr(0, 10)
                << ": " << j["files"].size() << " files, " << core::format_bytes(j["total_bytes"].get<int64_t>())
                << " (" << core::format_bytes(j["downloaded_bytes"].get<int64_t>()) << " downloaded now, every file checked "
                << "against its sha256 / git id)\n";
    std::cout << j["folder"].get<std::string>() << std::endl;
  }
}

}  // namespace

void add_download_command(CLI::App& app) {
  auto a = std::make_shared<DownloadArgs>();
  auto* cmd = app.add_subcommand(
      "download",
      "Download a model from the Hugging Face Hub into the cache huggingface_hub and transformers share "
      "(HF_HOME / HF_HUB_CACHE; token from HF_TOKEN or `hf auth login`). Without --include: the safetensors "
      "weights, config, generation config, tokenizer files and chat templates. Resumes what an interrupted run "
      "left; prints the folder.");
  cmd->add_option("repo", a->req.repo, "Hub model id: ORG/NAME or ORG/NAME@REVISION")->required();
  cmd->add_option("--revision", a->req.revision, "Branch, tag or commit (default: main)");
  cmd->add_option("--include", a->req.include, "Only files matching this glob (repeatable; '*' crosses folders)");
  cmd->add_option("--exclude", a->req.exclude, "Skip files matching this glob (repeatable)");
  cmd->add_option("--local-dir", a->req.local_dir, "Put the files in this folder instead of the cache");
  cmd->add_option("--workers", a->req.workers, "Files downloaded at once")->default_val(8)->check(at_least(1, 64));
  cmd->add_flag("--dry-run", a->req.dry_run, "List the files, their sizes and the free space; download nothing");
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] { run(*a); });
}

}  // namespace llmcp::cli
