// The cache layout (io/hub/hub_cache.h): relative snapshot links for nested paths, refs without a
// newline and none for a commit, lookups by branch and by commit, the listing, and names a server
// must not be allowed to write. What huggingface_hub reads of it is checked in tests/hub.
#include "io/hub/hub_cache.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "test_util.h"

namespace llmcp::io::hub {
namespace fs = std::filesystem;

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

TEST(HubCache, LinksRefsAndLookups) {
  testing::TempDir tmp;
  HubCache cache(tmp.path());
  fs::create_directories(cache.repo_dir("org/m") / "blobs");
  std::ofstream(cache.blob_path("org/m", "etag1")) << "data";
  cache.link_snapshot_file("org/m", kCommit, "a/b/file.json", "etag1");
  cache.link_snapshot_file("org/m", kCommit, "top.json", "etag1");
  const auto snap = cache.snapshot_dir("org/m", kCommit);
  EXPECT_EQ(fs::read_symlink(snap / "a/b/file.json"), "../../../../blobs/etag1");
  EXPECT_EQ(fs::read_symlink(snap / "top.json"), "../../blobs/etag1");
  EXPECT_EQ(core::read_file(snap / "a/b/file.json"), "data");
  cache.link_snapshot_file("org/m", kCommit, "top.json", "etag1");  // again: replaced in place
  EXPECT_FALSE(cache.commit_of("org/m", "main"));
  cache.write_ref("org/m", "main", kCommit);
  cache.write_ref("org/m", kCommit, kCommit);
  EXPECT_EQ(core::read_file(cache.repo_dir("org/m") / "refs/main"), kCommit);
  EXPECT_FALSE(fs::exists(cache.repo_dir("org/m") / "refs" / kCommit));
  EXPECT_EQ(cache.commit_of("org/m", "main"), kCommit);
  EXPECT_EQ(cache.commit_of("org/m", kCommit), kCommit);
  EXPECT_EQ(cache.snapshot_of({"org/m", "main", false}), snap);
  EXPECT_FALSE(cache.snapshot_of({"org/m", "dev", true}));
  const auto repos = cache.list();
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].repo_id, "org/m");
  EXPECT_EQ(repos[0].refs, std::vector<std::string>{"main"});
  EXPECT_EQ(repos[0].snapshots, std::vector<std::string>{kCommit});
  EXPECT_EQ(repos[0].blob_bytes, 4u);
}

TEST(HubCache, RefusesNamesThatLeaveTheSnapshot) {
  for (const char* bad : {"../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a\\b", ""})
    EXPECT_THROW(check_repo_path(bad), core::Error) << bad;
  EXPECT_NO_THROW(check_repo_path("sub dir/file.json"));
  EXPECT_NO_THROW(check_repo_path(".gitattributes"));
}

}  // namespace llmcp::io::hub
