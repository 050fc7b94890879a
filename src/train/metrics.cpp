// metrics.jsonl and the progress bar.
#include "train/metrics.h"

#include <unistd.h>

#include <c10/core/CachingDeviceAllocator.h>

#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace llmcp::train {

MetricsLog::MetricsLog(std::filesystem::path path) {
  file_ = std::fopen(path.c_str(), "a");
  LLMCP_CHECK(file_ != nullptr, kIo, "cannot open ", path.string(), " for appending");
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::append(const nlohmann::ordered_json& record) {
  const std::string line = record.dump() + "\n";
  LLMCP_CHECK(std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0, kIo,
              "cannot write metrics.jsonl (disk full?)");
}

void MetricsLog::truncate_after(const std::filesystem::path& path, int64_t step) {
  if (!std::filesystem::exists(path)) return;
  std::ifstream in(path);
  std::ostringstream kept;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;  // a line torn by a kill
    if (j.value("step", int64_t{0}) <= step) kept << line << "\n";
  }
  core::write_file_atomic(path, kept.str());
}

Progress::Progress(int64_t total_steps) : total_(total_steps), tty_(::isatty(STDERR_FILENO) != 0) {}

void Progress::update(int64_t step, double loss, double lr, double tokens_per_second, double eta_seconds) {
  char buf[256];
  const int eta = static_cast<int>(eta_seconds);
  if (tty_) {
    const int width = 24, filled = total_ > 0 ? static_cast<int>(width * step / total_) : 0;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '.');
    std::snprintf(buf, sizeof buf, "\r[%s] %lld/%lld loss %.4f lr %.2e %.0f tok/s eta %d:%02d  ", bar.c_str(),
                  static_cast<long long>(step), static_cast<long long>(total_), loss, lr, tokens_per_second, eta / 60,
                  eta % 60);
    std::fputs(buf, stderr);
    drawn_ = true;
  } else {
    std::snprintf(buf, sizeof buf, "step %lld/%lld loss %.4f lr %.2e %.0f tok/s eta %d:%02d\n",
                  static_cast<long long>(step), static_cast<long long>(total_), loss, lr, tokens_per_second, eta / 60,
                  eta % 60);
    std::fputs(buf, stderr);
  }
  std::fflush(stderr);
}

void Progress::message(const std::string& text) {
  if (drawn_) std::fputs("\n", stderr);
  drawn_ = false;
  std::fputs((text + "\n").c_str(), stderr);
  std::fflush(stderr);
}

void Progress::finish() {
  if (drawn_) std::fputs("\n", stderr);
  drawn_ = false;
}

namespace {
int64_t status_kb(const char* key) {
  std::ifstream status("/proc/self/status");
  const std::string k = key;
  for (std::string line; std::getline(status, line);)
    if (line.rfind(k, 0) == 0) return std::stoll(line.substr(k.size())) * 1024;
  return 0;
}
}  // namespace

GpuMemoryPeak gpu_memory_peak(const c10::Device& device) {
  if (!device.is_cuda()) return {};
  const auto stats = c10::getDeviceAllocator(device.type())->getDeviceStats(device.index() < 0 ? 0 : device.index());
  const auto all = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  return {stats.allocated_bytes[all].peak, stats.reserved_bytes[all].peak};
}

int64_t peak_rss_bytes() { return status_kb("VmHWM:"); }
int64_t rss_bytes() { return status_kb("VmRSS:"); }

}  // namespace llmcp::train
