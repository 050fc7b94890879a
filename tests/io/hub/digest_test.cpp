// File digests against published values: FIPS 180-2's sha256 test vectors and git's blob id of
// "hello\n" (`git hash-object`), streamed in pieces and from a file.
#include "io/hub/digest.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_util.h"

namespace llmcp::io::hub {

TEST(Digest, Sha256Vectors) {
  Digest abc(DigestKind::kSha256);
  abc.update("abc");
  EXPECT_EQ(abc.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Digest two(DigestKind::kSha256);
  two.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(two.hex(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Digest empty(DigestKind::kSha256);
  EXPECT_EQ(empty.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, GitBlobIdAndStreaming) {
  Digest d(DigestKind::kGitBlobSha1, 6);
  d.update("hel");
  d.update("lo\n");
  EXPECT_EQ(d.hex(), "ce013625030ba8dba906f756967f9e9ca394464a");
  testing::TempDir dir;
  std::ofstream(dir / "f") << "hello\n";
  EXPECT_EQ(file_digest(dir / "f", DigestKind::kGitBlobSha1), "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(digest_kind_of_etag(std::string(64, 'a')), DigestKind::kSha256);
  EXPECT_EQ(digest_kind_of_etag(std::string(40, 'a')), DigestKind::kGitBlobSha1);
}

}  // namespace llmcp::io::hub
