// Hub references as users write them (io/hub/repo_ref.h). Which ids are valid is also checked
// against huggingface_hub's validate_repo_id in tests/hub/cache_interop_test.py.
#include "io/hub/repo_ref.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace llmcp::io::hub {

TEST(RepoRef, ParsesIdAndRevision) {
  auto r = parse_repo_ref("meta-llama/Llama-2-7b-hf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->repo_id, "meta-llama/Llama-2-7b-hf");
  EXPECT_EQ(r->revision, "main");
  EXPECT_FALSE(r->revision_given);
  r = parse_repo_ref("org/name@refs/pr/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->revision, "refs/pr/1");
  EXPECT_TRUE(r->revision_given);
}

TEST(RepoRef, AnOwnerIsRequiredSoFolderNamesAreNeverTakenForRepos) {
  EXPECT_FALSE(parse_repo_ref("demo-base"));
  EXPECT_FALSE(parse_repo_ref("./org/name"));
  EXPECT_FALSE(parse_repo_ref("/abs/path"));
  EXPECT_FALSE(parse_repo_ref("a/b/c"));
  EXPECT_FALSE(parse_repo_ref("org/../etc"));
  EXPECT_EQ(parse_repo_ref_or_throw("gpt2", true).repo_id, "gpt2");
  EXPECT_THROW(parse_repo_ref_or_throw("gpt2", false), core::Error);
}

TEST(RepoRef, RevisionsCannotLeaveRefs) {
  for (const char* bad : {"org/name@", "org/name@../../x", "org/name@/abs", "org/name@a//b", "org/name@a b",
                          "org/name@x:y", "org/name@a/"})
    EXPECT_FALSE(parse_repo_ref(bad)) << bad;
  EXPECT_THROW(parse_repo_ref_or_throw("org/name@..", true), core::Error);
}

TEST(RepoRef, CommitHashes) {
  EXPECT_TRUE(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("main"));
}

TEST(RepoRef, FolderNames) {
  EXPECT_EQ(repo_folder_name("meta-llama/Llama-2-7b-hf"), "models--meta-llama--Llama-2-7b-hf");
  EXPECT_EQ(repo_folder_name("gpt2"), "models--gpt2");
  EXPECT_EQ(repo_id_of_folder_name("models--meta-llama--Llama-2-7b-hf"), "meta-llama/Llama-2-7b-hf");
  EXPECT_EQ(repo_id_of_folder_name("models--gpt2"), "gpt2");
  EXPECT_FALSE(repo_id_of_folder_name("datasets--org--d"));
  EXPECT_FALSE(repo_id_of_folder_name("models--a--b--c"));
}

}  // namespace llmcp::io::hub
