// Learning-rate schedules against transformers.optimization's formulas at hand-computed points
// (warmup starts at 0, linear ends at 0, cosine passes 0.5 at half way).
#include <gtest/gtest.h>

#include "train/schedule.h"

namespace llmcp::train {
namespace {

TEST(ScheduleTest, WarmupThenDecay) {
  EXPECT_DOUBLE_EQ(lr_multiplier("linear", 0, 100, 10), 0.0);
  EXPECT_DOUBLE_EQ(lr_multiplier("linear", 5, 100, 10), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier("linear", 10, 100, 10), 1.0);
  EXPECT_DOUBLE_EQ(lr_multiplier("linear", 55, 100, 10), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier("linear", 100, 100, 10), 0.0);
  EXPECT_DOUBLE_EQ(lr_multiplier("constant", 99, 100, 10), 1.0);
  EXPECT_NEAR(lr_multiplier("cosine", 55, 100, 10), 0.5, 1e-12);
  EXPECT_NEAR(lr_multiplier("cosine", 10, 100, 10), 1.0, 1e-12);
  EXPECT_NEAR(lr_multiplier("cosine", 100, 100, 10), 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(lr_multiplier("linear", 0, 10, 0), 1.0);  // no warmup: the first step uses the peak
}

}  // namespace
}  // namespace llmcp::train
