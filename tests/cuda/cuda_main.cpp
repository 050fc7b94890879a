// The GPU suite's main: without a CUDA device (or in a build without CUDA) every test here is
// reported as skipped to ctest (exit code 77, SKIP_RETURN_CODE), never as passed.
#include <ATen/Context.h>
#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (!at::hasCUDA()) {
    std::printf("no CUDA device: the cuda suite is skipped (run it on a GPU: scripts/device-check.sh)\n");
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
