// Atomic writes leave the old file intact when a write fails and no temp files behind.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>

#include "core/atomic_file.h"
#include "core/error.h"
#include "test_util.h"

namespace llmcp::core {
namespace {

TEST(AtomicFileTest, ReplacesOnlyOnCommit) {
  testing::TempDir dir;
  write_file_atomic(dir / "f.txt", "old");
  {
    AtomicFile f(dir / "f.txt");
    f.write("new contents");
    EXPECT_EQ(read_file(dir / "f.txt"), "old");  // not visible before commit
  }  // destroyed without commit: abandoned
  EXPECT_EQ(read_file(dir / "f.txt"), "old");
  size_t files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);  // no temp file left
  write_file_atomic(dir / "sub/f.txt", "new");
  EXPECT_EQ(read_file(dir / "sub/f.txt"), "new");
}

TEST(AtomicFileTest, FailedWriteIsAnErrorAndKeepsOldFile) {
  // A file-size limit makes the kernel refuse writes past it (EFBIG), as a full disk would.
  testing::TempDir dir;
  write_file_atomic(dir / "f.bin", "previous");
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string big(1 << 20, 'x');
  bool threw = false;
  try {
    write_file_atomic(dir / "f.bin", big);
  } catch (const Error& e) {
    threw = true;
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("unchanged"), std::string::npos) << e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(threw);
  EXPECT_EQ(read_file(dir / "f.bin"), "previous");
  size_t files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
  EXPECT_THROW(read_file("/nonexistent/file"), Error);
}

}  // namespace
}  // namespace llmcp::core
