// Thousands separators as people write them, signs included.
#include <gtest/gtest.h>

#include "core/format.h"

namespace llmcp::core {
namespace {

TEST(FormatTest, WithCommas) {
  EXPECT_EQ(with_commas(0), "0");
  EXPECT_EQ(with_commas(999), "999");
  EXPECT_EQ(with_commas(1000), "1,000");
  EXPECT_EQ(with_commas(6921720704), "6,921,720,704");
  EXPECT_EQ(with_commas(-100), "-100");
  EXPECT_EQ(with_commas(-1234567), "-1,234,567");
}

}  // namespace
}  // namespace llmcp::core
