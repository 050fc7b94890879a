// The memory a plan must fit: this machine's (RAM from /proc/meminfo; GPUs through the CUDA
// runtime in CUDA builds), a named GPU from the catalog (the seed's table and the H200), or a
// number the user gives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmcp::plan {

struct GpuSpec {
  std::string name;      // "RTX 4090 24GB"
  int64_t memory_bytes;  // as the driver reports it (nvidia-smi's total)
};
const std::vector<GpuSpec>& gpu_catalog();
// Case, spaces and dashes do not matter; "4090", "a100-80gb" and "A100 80GB" all work. Error
// listing the catalog otherwise.
const GpuSpec& find_gpu(const std::string& name);

struct Hardware {
  std::string device = "cpu";  // cpu | cuda
  std::string name;            // "this machine's RAM", "RTX 4090 24GB", ...
  int64_t memory_bytes = 0;    // per device
  int64_t count = 1;
  std::string source;  // detected | --gpu | --memory
};

// /proc/meminfo's MemAvailable (what a new process can use without swapping).
Hardware detect_cpu();
// GPUs the CUDA runtime sees (free memory of each); empty in CPU-only builds.
std::vector<Hardware> detect_gpus();
// What to plan for: --gpu NAME, else --memory GB (GiB), else the first detected GPU, else the RAM.
Hardware plan_target(const std::string& gpu, double memory_gb, int64_t gpus = 1);

}  // namespace llmcp::plan
