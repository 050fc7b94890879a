// Folders written whole: nothing is left behind by a failure, an existing folder is replaced only
// when asked, and an output may not be one of its inputs.
#include "core/staged_dir.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "test_util.h"

namespace llmcp::core {
namespace {

namespace fs = std::filesystem;

size_t entries(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(StagedDirTest, CommitMovesTheFolderIntoPlace) {
  testing::TempDir tmp;
  {
    StagedDir out(tmp / "model", Overwrite::kRefuse);
    std::ofstream(out.path() / "config.json") << "{}";
    EXPECT_FALSE(fs::exists(tmp / "model"));  // invisible until complete
    out.commit();
  }
  EXPECT_TRUE(fs::exists(tmp / "model" / "config.json"));
  EXPECT_EQ(entries(tmp.path()), 1u);  // no staging folder left
}

TEST(StagedDirTest, AFailureLeavesNothing) {
  testing::TempDir tmp;
  try {
    StagedDir out(tmp / "model", Overwrite::kRefuse);
    std::ofstream(out.path() / "half.safetensors") << "xx";
    throw Error(ErrorCode::kIo, "disk full");
  } catch (const Error&) {
  }
  EXPECT_EQ(entries(tmp.path()), 0u);
}

TEST(StagedDirTest, ANonEmptyTargetNeedsOverwrite) {
  testing::TempDir tmp;
  fs::create_directories(tmp / "empty");
  EXPECT_NO_THROW(StagedDir(tmp / "empty", Overwrite::kRefuse));
  fs::create_directories(tmp / "full");
  std::ofstream(tmp / "full" / "old") << "x";
  try {
    StagedDir out(tmp / "full", Overwrite::kRefuse);
    ADD_FAILURE() << "a non-empty folder was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(tmp / "full" / "old"));
  StagedDir out(tmp / "full", Overwrite::kReplace);
  std::ofstream(out.path() / "new") << "y";
  out.commit();
  EXPECT_FALSE(fs::exists(tmp / "full" / "old"));
  EXPECT_TRUE(fs::exists(tmp / "full" / "new"));
  EXPECT_EQ(entries(tmp.path()), 2u);  // empty/, full/: the old folder is gone
}

TEST(StagedDirTest, AnOutputIsNeverAnInput) {
  testing::TempDir tmp;
  fs::create_directories(tmp / "base");
  fs::create_directory_symlink(tmp / "base", tmp / "link");
  for (const auto& out : {tmp / "base", tmp / "link", tmp / "base" / "sub", tmp.path(), tmp / "base" / "."})
    EXPECT_THROW(check_not_input(out, {tmp / "adapter", tmp / "base"}, "--out"), Error) << out;
  EXPECT_NO_THROW(check_not_input(tmp / "merged", {tmp / "adapter", tmp / "base", ""}, "--out"));
}

}  // namespace
}  // namespace llmcp::core
