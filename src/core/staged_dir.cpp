// Folders written whole; see staged_dir.h.
#include "core/staged_dir.h"

#include <unistd.h>

#include "core/error.h"
#include "core/workspace.h"

namespace llmcp::core {
namespace fs = std::filesystem;
StagedDir::StagedDir(fs::path target, Overwrite overwrite) : target_(std::move(target)), overwrite_(overwrite) {
  LLMCP_CHECK(!target_.empty(), kInvalidArgument, "no output folder was given");
  target_ = fs::absolute(target_).lexically_normal();
  if (target_.filename().empty()) target_ = target_.parent_path();
  std::error_code ec;
  if (fs::exists(target_, ec)) {
    LLMCP_CHECK(fs::is_directory(target_, ec), kInvalidArgument, target_.string(), " exists and is not a folder");
    LLMCP_CHECK(fs::is_empty(target_, ec) || overwrite_ == Overwrite::kReplace, kInvalidArgument, target_.string(),
                " already exists and is not empty; choose another output folder, or pass --overwrite to replace it");
  }
  fs::create_directories(target_.parent_path(), ec);
  LLMCP_CHECK(!ec, kIo, "cannot create ", target_.parent_path().string(), ": ", ec.message());
  std::string hidden = ".";  // built by appends: GCC 12 warns falsely about "." + std::string
  hidden.append(target_.filename().string()).append(".partial-").append(std::to_string(::getpid()));
  staging_ = target_.parent_path() / hidden;
  fs::remove_all(staging_, ec);  // a leftover of an earlier run with this pid
  fs::create_directory(staging_, ec);
  LLMCP_CHECK(!ec, kIo, "cannot create ", staging_.string(), ": ", ec.message());
}

StagedDir::~StagedDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void StagedDir::commit() {
  std::error_code ec;
  const fs::path old = staging_.string() + ".old";
  if (fs::exists(fs::symlink_status(target_, ec))) {
    if (fs::is_directory(target_, ec) && fs::is_empty(target_, ec)) {
      fs::remove(target_, ec);
    } else {
      LLMCP_CHECK(overwrite_ == Overwrite::kReplace, kInvalidArgument, target_.string(),
                  " appeared while it was being written; nothing was replaced (the new folder is not kept)");
      fs::rename(target_, old, ec);
      LLMCP_CHECK(!ec, kIo, "cannot move the old ", target_.string(), " aside: ", ec.message());
    }
  }
  fs::rename(staging_, target_, ec);
  if (ec) {
    std::error_code ignore;
    if (fs::exists(old, ignore)) fs::rename(old, target_, ignore);
    LLMCP_FAIL(kIo, "cannot move the new folder into place at ", target_.string(), ": ", ec.message());
  }
  committed_ = true;
  fs::remove_all(old, ec);
}

void check_not_input(const fs::path& out, const std::vector<fs::path>& inputs, const std::string& out_flag) {
  const fs::path o = resolve_links(out);
  for (const auto& in : inputs) {
    if (in.empty()) continue;
    const fs::path i = resolve_links(in);
    LLMCP_CHECK(!path_within(o, i) && !path_within(i, o), kInvalidArgument, out_flag, " ", out.string(),
                o == i ? " is" : path_within(o, i) ? " lies inside" : " contains", " the input ", in.string(),
                "; write the output to a new folder (inputs are never written over)");
  }
}

}  // namespace llmcp::core
