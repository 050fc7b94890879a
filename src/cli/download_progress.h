// Download progress on stderr: on a terminal, one bar for the total and one per active file
// (bytes, speed, ETA), redrawn in place; elsewhere (logs, CI, pipes) a plain line every few
// seconds and one per finished file. Used by `llm-mcp download` and every --download.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "engine/hub.h"

namespace llmcp::cli {

class DownloadProgress {
 public:
  DownloadProgress();
  void operator()(const engine::HubDownloadProgress& p);
  void finish();                             // leaves the last bars on screen

 private:
  bool tty_;
  int drawn_lines_ = 0;
  double last_plain_s_ = -1;
  size_t files_done_ = 0;
  std::map<std::string, std::pair<double, double>> rate_;  // path -> (last done, bytes/s smoothed)
  double last_total_done_ = 0, last_t_ = 0, total_rate_ = 0;
};

// "1.2 GiB/s", "512 KiB/s"; "3m05s" / "1h02m" / "--".
std::string rate_text(double bytes_per_s);
std::string eta_text(double seconds);

}  // namespace llmcp::cli
