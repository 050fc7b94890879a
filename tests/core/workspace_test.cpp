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

// A dangling symlink is followed too: writing through it would create its target outside.
TEST_F(WorkspaceTest, DanglingSymlinksAreFollowedForWrites) {
  auto w = ws();
  fs::create_directory_symlink(tmp_ / "outside" / "not-yet", w.adapters_dir() / "dangling");
  EXPECT_THROW(w.resolve("adapters/dangling", Access::kWrite), Error);
  EXPECT_THROW(w.resolve("adapters/dangling/adapter_config.json", Access::kWrite), Error);
  fs::create_symlink("../datasets/new.jsonl", w.models_dir() / "rel");  // relative, dangling, inside
  EXPECT_EQ(w.resolve("models/rel", Access::kWrite), canon(w.datasets_dir() / "new.jsonl"));
  fs::create_symlink("loop", w.models_dir() / "loop");
  EXPECT_THROW(w.resolve("models/loop", Access::kRead), Error);
}

TEST_F(WorkspaceTest, NamesAreNames) {
  for (const std::string& n : std::vector<std::string>{"run1", "my-adapter_v2.0", "A", std::string(128, 'a')})
    EXPECT_TRUE(valid_name(n)) << n;
  for (const std::string& n : std::vector<std::string>{"", ".", "..", ".hidden", "a/b", "../x", "/tmp/x", "a\\b", "a b", "a\nb", "na\xc3\xafve",
                              std::string(129, 'a'), std::string("a\0b", 3)}) {
    EXPECT_FALSE(valid_name(n)) << n;
    try {
      check_name(n, "name");
      ADD_FAILURE() << n << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("name must be a plain name"), std::string::npos) << e.what();
    }
  }
}

// What the server creates by name: confined (a symlink planted there is refused, dangling or
// not) and never over something that exists.
TEST_F(WorkspaceTest, OutputPathsAreConfinedAndFresh) {
  auto w = ws();
  EXPECT_EQ(w.output_path("run", w.adapters_dir(), "name"), canon(w.adapters_dir() / "run"));
  fs::create_directory_symlink(tmp_ / "outside", w.adapters_dir() / "evil_out");
  fs::create_directory_symlink(tmp_ / "outside" / "new", w.models_dir() / "evil_new");
  for (const auto& [name, dir] : {std::pair{"evil_out", w.adapters_dir()}, std::pair{"evil_new", w.models_dir()}}) {
    try {
      w.output_path(name, dir, "name");
      ADD_FAILURE() << name << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("outside the folders this server may write"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(w.output_path("../x", w.models_dir(), "output"), Error);
  fs::create_directories(w.models_dir() / "taken");
  EXPECT_EQ(w.output_path("taken", w.models_dir(), "output"), canon(w.models_dir() / "taken"));  // empty is fine
  std::ofstream(w.models_dir() / "taken" / "f") << "x";
  EXPECT_THROW(w.output_path("taken", w.models_dir(), "output"), Error);
}

// The check a writer repeats right before writing (a training job's child process).
TEST_F(WorkspaceTest, CheckInsideSeesASymlinkPlacedAfterValidation) {
  auto w = ws();
  const auto out = w.output_path("later", w.adapters_dir(), "name");
  EXPECT_NO_THROW(check_inside(out, w.write_roots()));
  fs::create_directory_symlink(tmp_ / "outside", out);  // appears between validation and the write
  EXPECT_THROW(check_inside(out, w.write_roots()), Error);
  EXPECT_THROW(check_inside(out / "checkpoint-1", w.write_roots()), Error);
}

}  // namespace
}  // namespace llmcp::core
