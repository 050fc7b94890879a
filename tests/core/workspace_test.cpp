// Path confinement: what a client may name inside the workspace, and every way out refused.
#include "core/workspace.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "test_util.h"

namespace llmcp::core {
namespace {

namespace fs = std::filesystem;

class WorkspaceTest : public ::testing::Test {
 protected:
  WorkspaceTest() {
    fs::create_directories(tmp_ / "home");
    fs::create_directories(tmp_ / "outside");
    fs::create_directories(tmp_ / "builtin" / "demo");
    fs::create_directories(tmp_ / "builtin" / "data");
    fs::create_directories(tmp_ / "extra");
    std::ofstream(tmp_ / "outside" / "secret.txt") << "x";
    std::ofstream(tmp_ / "builtin" / "data" / "d.jsonl") << "{}";
  }
  Workspace ws() { return Workspace(tmp_ / "home", {tmp_ / "extra"}, {tmp_ / "builtin"}); }
  fs::path canon(const fs::path& p) { return fs::weakly_canonical(p); }
  testing::TempDir tmp_;
};

TEST_F(WorkspaceTest, CreatesItsFolders) {
  auto w = ws();
  for (const char* sub : {"models", "adapters", "datasets", "jobs"}) EXPECT_TRUE(fs::is_directory(w.home() / sub)) << sub;
}

TEST_F(WorkspaceTest, RelativePathsAreInsideTheWorkspace) {
  auto w = ws();
  EXPECT_EQ(w.resolve("adapters/a", Access::kWrite), canon(tmp_ / "home/adapters/a"));
  EXPECT_EQ(w.resolve("models/../datasets/x.jsonl", Access::kRead), canon(tmp_ / "home/datasets/x.jsonl"));
  EXPECT_EQ(w.resolve((tmp_ / "extra" / "f").string(), Access::kWrite), canon(tmp_ / "extra/f"));
}

TEST_F(WorkspaceTest, EscapesAreRefused) {
  auto w = ws();
  for (const std::string& p : {std::string("../outside/secret.txt"), std::string("models/../../outside"),
                               (tmp_ / "outside" / "secret.txt").string(), std::string("/etc/passwd"),
                               std::string("/"), std::string("")}) {
    try {
      w.resolve(p, Access::kRead);
      ADD_FAILURE() << p << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << p;
    }
  }
}

TEST_F(WorkspaceTest, SymlinksAreFollowedBeforeTheCheck) {
  auto w = ws();
  fs::create_directory_symlink(tmp_ / "outside", tmp_ / "home" / "models" / "evil");
  EXPECT_THROW(w.resolve("models/evil/secret.txt", Access::kRead), Error);
  EXPECT_THROW(w.resolve("models/evil/new-file", Access::kWrite), Error);
  fs::create_directory_symlink(tmp_ / "home" / "datasets", tmp_ / "home" / "models" / "fine");
  EXPECT_EQ(w.resolve("models/fine/x", Access::kRead), canon(tmp_ / "home/datasets/x"));
}

TEST_F(WorkspaceTest, BuiltInRootsAreReadOnly) {
  auto w = ws();
  const auto data = (tmp_ / "builtin" / "data" / "d.jsonl").string();
  EXPECT_EQ(w.resolve(data, Access::kRead), canon(data));
  EXPECT_THROW(w.resolve(data, Access::kWrite), Error);
}

TEST_F(WorkspaceTest, NamesAreLookedUpInTheWorkspaceThenBuiltIns) {
  auto w = ws();
  EXPECT_EQ(w.find("demo", w.models_dir()), canon(tmp_ / "builtin/demo"));
  fs::create_directories(w.models_dir() / "demo");
  EXPECT_EQ(w.find("demo", w.models_dir()), canon(w.models_dir() / "demo"));  // the workspace's wins
  EXPECT_EQ(w.find("d.jsonl", w.datasets_dir(), "data"), canon(tmp_ / "builtin/data/d.jsonl"));
  EXPECT_THROW(w.find("..", w.models_dir()), Error);
}

}  // namespace
}  // namespace llmcp::core
