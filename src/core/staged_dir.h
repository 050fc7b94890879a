// A folder written in full or not at all: the writer fills a hidden sibling
// (.NAME.partial-PID) and commit() renames it into place, so a failure, a full disk or a kill
// never leaves a half-written model folder, and an existing folder is replaced only when the
// caller allows it. check_not_input() refuses an output that is one of the command's inputs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace llmcp::core {

enum class Overwrite { kRefuse, kReplace };

class StagedDir {
 public:
  // Refuses (kInvalidArgument) a non-empty `target` unless kReplace; an empty one is fine.
  StagedDir(std::filesystem::path target, Overwrite overwrite);
  ~StagedDir();  // removes the staging folder unless committed
  StagedDir(const StagedDir&) = delete;
  StagedDir& operator=(const StagedDir&) = delete;

  const std::filesystem::path& path() const { return staging_; }  // write here
  const std::filesystem::path& target() const { return target_; }
  // Moves the staging folder to the target (replacing it when allowed).
  void commit();

 private:
  std::filesystem::path target_, staging_;
  Overwrite overwrite_;
  bool committed_ = false;
};

// Throws kInvalidArgument when `out` is, contains or lies inside one of `inputs` (symlinks
// followed): an output must never be written over what it is made from.
void check_not_input(const std::filesystem::path& out, const std::vector<std::filesystem::path>& inputs,
                     const std::string& out_flag);

}  // namespace llmcp::core
