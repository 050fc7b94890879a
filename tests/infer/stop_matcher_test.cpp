// Stop strings over streamed pieces: nothing past a stop string is ever emitted, and text that
// only looked like the start of a stop string is released later.
#include <gtest/gtest.h>

#include "infer/stop_matcher.h"

namespace llmcp::infer {
namespace {

TEST(StopMatcherTest, StopSpanningPieces) {
  StopMatcher m({"END"});
  std::string out;
  for (const char* p : {"hello E", "N", "D tail"}) out += m.push(p);
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(out, "hello ");
  EXPECT_EQ(m.text(), "hello ");
  EXPECT_EQ(m.push("more"), "");
}

TEST(StopMatcherTest, HeldBackTextIsReleased) {
  StopMatcher m({"\n\n", "STOP"});
  EXPECT_EQ(m.push("a\n"), "a");  // "\n" could start "\n\n"
  EXPECT_EQ(m.push("b"), "\nb");
  EXPECT_EQ(m.push("ST"), "");
  EXPECT_EQ(m.push("AY"), "STAY");
  EXPECT_EQ(m.push("xS"), "x");
  EXPECT_EQ(m.flush(), "S");
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(m.text(), "a\nbSTAYxS");
}

TEST(StopMatcherTest, EarliestStopWins) {
  StopMatcher m({"cd", "b"});
  EXPECT_EQ(m.push("abcde"), "a");
  EXPECT_TRUE(m.stopped());
}

TEST(StopMatcherTest, NoStopsPassThrough) {
  StopMatcher m({});
  EXPECT_EQ(m.push("abc"), "abc");
  EXPECT_EQ(m.flush(), "");
}

}  // namespace
}  // namespace llmcp::infer
