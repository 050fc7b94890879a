// Stop strings over streamed text: releases only text that cannot be the start of a stop
// string, and reports where generation must end. Torch-free.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace llmcp::infer {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);
  // Adds newly decoded text; returns the text now safe to emit. After a stop string is seen,
  // stopped() is true and the returned text ends right before it.
  std::string push(const std::string& piece);
  // Releases whatever is held back (end of generation without a stop).
  std::string flush();
  bool stopped() const { return stopped_; }
  const std::string& text() const { return text_; }  // everything emitted so far

 private:
  std::vector<std::string> stops_;
  std::string pending_, text_;
  bool stopped_ = false;
};

}  // namespace llmcp::infer
