// The CPU runtime policy of src/core/runtime.cpp: which thread count each kind of compute gets,
// that the BLAS detection agrees with the library the loader actually mapped into this process, and
// which CPUs count as multiplying bf16 in hardware.
#include "core/runtime.h"

#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace llmcp::core {
namespace {

TEST(RuntimeTest, ThreadRule) {
  EXPECT_EQ(cpu_intra_op_threads(8, std::nullopt, /*fp32=*/true, /*openblas_pthreads=*/true), 1);
  EXPECT_EQ(cpu_intra_op_threads(8, std::nullopt, true, false), 8);
  EXPECT_EQ(cpu_intra_op_threads(8, std::nullopt, false, true), 8);
  EXPECT_EQ(cpu_intra_op_threads(8, 3, true, true), 3);  // an explicit count always wins
  EXPECT_EQ(cpu_intra_op_threads(0, std::nullopt, false, false), 1);
}

TEST(RuntimeTest, NativeBf16FromCpuFlags) {
  EXPECT_TRUE(cpuinfo_has_native_bf16(" fpu avx2 avx512f avx512_bf16 amx_tile"));
  EXPECT_TRUE(cpuinfo_has_native_bf16(" fpu avx2 amx_bf16 amx_tile"));
  EXPECT_TRUE(cpuinfo_has_native_bf16(" fp asimd sve bf16 i8mm"));  // Arm's Features line
  EXPECT_FALSE(cpuinfo_has_native_bf16(" fpu avx2 avx512f avx512_vnni"));
  EXPECT_FALSE(cpuinfo_has_native_bf16(" fpu avx512_bf16x"));  // whole flags only
  setenv("LLMCP_CPU_BF16", "0", 1);
  EXPECT_FALSE(cpu_has_native_bf16());
  setenv("LLMCP_CPU_BF16", "1", 1);
  EXPECT_TRUE(cpu_has_native_bf16());
  unsetenv("LLMCP_CPU_BF16");
}

TEST(RuntimeTest, MixedPrecisionIsBf16OnTheCpu) {
  EXPECT_EQ(mixed_precision_dtype(c10::Device(c10::kCPU)), at::kBFloat16);
}

TEST(RuntimeTest, OpenblasDetectionMatchesTheMappedLibrary) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool pthread_openblas = false;
  while (std::getline(maps, line))
    if (line.find("openblas-pthread/") != std::string::npos) pthread_openblas = true;
  EXPECT_EQ(openblas_has_pthread_pool(), pthread_openblas);
}

TEST(RuntimeTest, InitFollowsTheComputeDtype) {
  unsetenv("LLMCP_THREADS");
  unsetenv("OMP_NUM_THREADS");
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  init_torch_threads(at::kBFloat16);
  EXPECT_EQ(at::get_num_threads(), hw);
  init_torch_threads(at::kFloat);
  EXPECT_EQ(at::get_num_threads(), openblas_has_pthread_pool() ? 1 : hw);
  setenv("LLMCP_THREADS", "3", 1);
  init_torch_threads(at::kFloat);
  EXPECT_EQ(at::get_num_threads(), 3);
  unsetenv("LLMCP_THREADS");
  init_torch_threads(std::nullopt);
  EXPECT_EQ(at::get_num_threads(), hw);
}

}  // namespace
}  // namespace llmcp::core
