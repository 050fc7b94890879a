// What a run reports: metrics.jsonl (one JSON object per line, flushed as written, so a killed run
// keeps every line it logged) and a progress display on stderr: a redrawn bar on a terminal,
// plain lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

namespace llmcp::train {

class MetricsLog {
 public:
  explicit MetricsLog(std::filesystem::path path);
  ~MetricsLog();
  void append(const nlohmann::ordered_json& record);
  // On resume: drops records logged after `step` (they will be logged again), atomically.
  static void truncate_after(const std::filesystem::path& path, int64_t step);

 private:
  std::FILE* file_ = nullptr;
};

class Progress {
 public:
  explicit Progress(int64_t total_steps);
  void update(int64_t step, double loss, double lr, double tokens_per_second, double eta_seconds);
  void message(const std::string& text);  // a line of its own (evaluation, checkpoint)
  void finish();

 private:
  int64_t total_;
  bool tty_;
  bool drawn_ = false;
};

// The CUDA caching allocator's peaks on `device` since the process started (PyTorch's
// max_memory_allocated / max_memory_reserved); zeros for a CPU device.
struct GpuMemoryPeak {
  int64_t allocated_bytes = 0, reserved_bytes = 0;
};
GpuMemoryPeak gpu_memory_peak(const c10::Device& device);

// Peak resident memory of this process in bytes (VmHWM), 0 when unknown.
int64_t peak_rss_bytes();
// Resident memory of this process now (VmRSS), 0 when unknown.
int64_t rss_bytes();

}  // namespace llmcp::train
