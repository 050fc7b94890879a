// Progress bars for downloads; see download_progress.h.
#include "cli/download_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "core/format.h"

namespace llmcp::cli {
namespace {

std::string bar(double fraction, int width) {
  const int full = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
  std::string s(1, '[');
  s.append(full, '#').append(width - full, '.').push_back(']');
  return s;
}

std::string line(const std::string& name, double done, double size, double rate) {
  std::ostringstream s;
  std::string label = name;
  if (label.size() > 28) label = std::string("...").append(name, name.size() - 25, 25);
  label.resize(28, ' ');
  const double pct = size > 0 ? 100.0 * done / size : 100.0;
  s << label << " " << bar(size > 0 ? done / size : 1.0, 24) << " " << static_cast<int>(pct) << "% "
    << core::format_bytes(static_cast<int64_t>(done)) << " / " << core::format_bytes(static_cast<int64_t>(size)) << "  "
    << rate_text(rate) << "  ETA " << eta_text(rate > 0 ? (size - done) / rate : -1);
  return s.str();
}

double smooth(double old_rate, double sample) { return old_rate <= 0 ? sample : 0.7 * old_rate + 0.3 * sample; }

}  // namespace

std::string rate_text(double r) {
  if (!(r > 0)) return "--/s";
  return core::format_bytes(static_cast<int64_t>(r)) + "/s";
}

std::string eta_text(double s) {
  if (!(s >= 0) || !std::isfinite(s)) return "--";
  const long t = std::lround(s);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  else
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  return buf;
}

DownloadProgress::DownloadProgress() : tty_(::isatty(2) == 1) {}

void DownloadProgress::operator()(const engine::HubDownloadProgress& p) {
  const double t = p.elapsed_s, done = p.done_bytes, total = p.total_bytes;
  const double dt = t - last_t_;
  if (dt > 0.05) {
    total_rate_ = smooth(total_rate_, std::max(0.0, done - last_total_done_) / dt);
    for (const auto& f : p.active) {
      auto& [last, rate] = rate_[f.path];
      rate = smooth(rate, std::max(0.0, f.done - last) / dt);
      last = f.done;
    }
    last_total_done_ = done;
    last_t_ = t;
  }
  std::string label = "total (";
  label.append(std::to_string(p.files_done)).append("/").append(std::to_string(p.files_total)).append(" files)");
  const std::string total_line = line(label, done, total, total_rate_);
  if (!tty_) {
    if (t - last_plain_s_ >= 5 || p.files_done != files_done_) {
      std::cerr << total_line << "\n";
      last_plain_s_ = t;
      files_done_ = p.files_done;
    }
    return;
  }
  std::string out;
  if (drawn_lines_ > 0) out += "\033[" + std::to_string(drawn_lines_) + "F";  // back to the first bar
  int lines = 0;
  for (const auto& f : p.active) {
    out += "\033[2K" + line(f.path, f.done, f.size, rate_[f.path].second) + "\n";
    ++lines;
  }
  out += "\033[2K" + total_line + "\n";
  ++lines;
  const int stale = drawn_lines_ - lines;  // bars of files that finished: cleared, cursor back above them
  for (int i = 0; i < stale; ++i) out += "\033[2K\n";
  if (stale > 0) out += "\033[" + std::to_string(stale) + "F";
  drawn_lines_ = lines;
  std::cerr << out << std::flush;
}

void DownloadProgress::finish() { drawn_lines_ = 0; }

}  // namespace llmcp::cli
