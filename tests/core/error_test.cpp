// What a boundary tells the user about an exception: a core::Error as it is; anything else as its
// first line without libtorch's stack frames; an allocation failure as memory to lower.
#include "core/error.h"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

namespace llmcp::core {
namespace {

TEST(UserMessageTest, CoreErrorsAreTheirMessage) {
  Error e(ErrorCode::kNotFound, "no config.json in x");
  EXPECT_EQ(user_message(e), "no config.json in x");
  EXPECT_EQ(user_code(e), ErrorCode::kNotFound);
}

// The text libtorch 1.13 produced for a 3.6 MB prompt (issue 22), frames shortened.
TEST(UserMessageTest, LibtorchAllocationFailuresSayWhatToLower) {
  const std::runtime_error e(
      "[enforce fail at alloc_cpu.cpp:75] data. DefaultCPUAllocator: not enough memory: you tried to allocate "
      "28801920032 bytes.\nException raised from alloc_cpu at ../c10/core/impl/alloc_cpu.cpp:75 (most recent call "
      "first):\nframe #0: c10::ThrowEnforceNotMet(char const*, int, char const*, std::string const&, void const*) + "
      "0x4e (0x7f libc10.so)\nframe #1: c10::alloc_cpu(unsigned long) + 0x35 (0x7f libc10.so)\n");
  const std::string m = user_message(e);
  EXPECT_EQ(m.find("frame #"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find("out of memory"), std::string::npos) << m;
  EXPECT_NE(m.find("26.82 GiB"), std::string::npos) << m;
  EXPECT_NE(m.find("lower batch_size"), std::string::npos) << m;
  EXPECT_EQ(user_code(e), ErrorCode::kIo);
  const std::runtime_error cuda("CUDA out of memory. Tried to allocate 1.50 GiB (GPU 0; 79.35 GiB total capacity)");
  EXPECT_NE(user_message(cuda).find("1.50 GiB"), std::string::npos);
  EXPECT_NE(user_message(std::bad_alloc()).find("out of memory"), std::string::npos);
}

TEST(UserMessageTest, OtherFailuresKeepTheirFirstLineOnly) {
  const std::runtime_error e(
      "[enforce fail at inline_container.cc:222] . file not found: archive/data.pkl\nframe #0: c10::ThrowEnforceNotMet");
  EXPECT_EQ(user_message(e), "internal error: . file not found: archive/data.pkl");
  EXPECT_EQ(user_code(e), ErrorCode::kInternal);
  EXPECT_EQ(user_message(std::logic_error("vector::_M_range_check")), "internal error: vector::_M_range_check");
}

}  // namespace
}  // namespace llmcp::core
