// `--model` as every command takes it: a folder, or a Hugging Face Hub id (ORG/NAME[@REVISION])
// taken from the shared cache; with --download, fetched first (with progress bars) when the
// cache lacks it. Commands call resolve() in their callback before using the path.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "cli/download_progress.h"
#include "engine/hub.h"

namespace llmcp::cli {

class ModelOption {
 public:
  // Adds --model (bound to `target`) and --download to `cmd`.
  ModelOption(CLI::App* cmd, std::string& target, const std::string& what) : target_(target) {
    cmd->add_option("--model", target, what + ": a folder, or a Hugging Face Hub id ORG/NAME[@REVISION] from the cache")
        ->required();
    cmd->add_flag("--download", download_, "Download a Hub --model that the cache lacks (see `llm-mcp download`)");
  }
  // Replaces the bound value by the folder it names.
  void resolve() const {
    DownloadProgress bars;
    target_ = engine::resolve_model(target_, download_ ? engine::ModelFetch::kDownload : engine::ModelFetch::kCacheOnly,
                                    [&bars](const engine::HubDownloadProgress& p) { bars(p); });
  }
  bool download() const { return download_; }

 private:
  std::string& target_;
  bool download_ = false;
};

}  // namespace llmcp::cli
