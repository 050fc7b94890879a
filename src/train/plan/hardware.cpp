// The GPU catalog, /proc/meminfo, and the CUDA runtime's view of the GPUs (CUDA builds only).
#include "train/plan/hardware.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "core/error.h"

#ifdef LLMCP_CUDA
#include <cuda_runtime_api.h>
#endif

namespace llmcp::plan {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

std::string squash(const std::string& s) {
  std::string out;
  for (char ch : s)
    if (std::isalnum(static_cast<unsigned char>(ch))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

const std::vector<GpuSpec>& gpu_catalog() {
  // Totals as nvidia-smi reports them.
  static const std::vector<GpuSpec> k = {
      {"RTX 3090 24GB", 24576 * kMiB}, {"RTX 4090 24GB", 24564 * kMiB}, {"A6000 48GB", 49140 * kMiB},
      {"A100 40GB", 40960 * kMiB},     {"A100 80GB", 81920 * kMiB},     {"H100 80GB", 81559 * kMiB},
      {"H200 141GB", 143771 * kMiB}};
  return k;
}

const GpuSpec& find_gpu(const std::string& name) {
  const std::string want = squash(name);
  std::vector<const GpuSpec*> hits;
  for (const auto& g : gpu_catalog()) {
    const std::string s = squash(g.name);
    if (s == want) return g;
    if (!want.empty() && s.find(want) != std::string::npos) hits.push_back(&g);
  }
  if (hits.size() == 1) return *hits.front();
  std::string names;
  for (const auto& g : gpu_catalog()) names += "\n  " + g.name;
  LLMCP_CHECK(hits.size() > 1, kInvalidArgument, "unknown GPU '", name, "'; choose one of:", names,
              "\nor give the memory in GiB instead (--memory on the command line, memory_gb in MCP) for another card");
  std::string which;
  for (const auto* g : hits) which += "\n  " + g->name;
  LLMCP_FAIL(kInvalidArgument, "GPU '", name, "' is ambiguous; did you mean:", which);
}

Hardware detect_cpu() {
  Hardware h;
  h.device = "cpu";
  h.name = "this machine's RAM (available now)";
  h.source = "detected";
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("MemAvailable:", 0) == 0) h.memory_bytes = std::stoll(line.substr(13)) * 1024;
  LLMCP_CHECK(h.memory_bytes > 0, kUnsupported, "cannot read MemAvailable from /proc/meminfo; give the memory to plan for (--memory GiB; memory_gb in MCP)");
  return h;
}

std::vector<Hardware> detect_gpus() {
  std::vector<Hardware> out;
#ifdef LLMCP_CUDA
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) return out;
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    size_t free_b = 0, total_b = 0;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess || cudaSetDevice(i) != cudaSuccess ||
        cudaMemGetInfo(&free_b, &total_b) != cudaSuccess)
      continue;
    Hardware h;
    h.device = "cuda";
    h.name = std::string(p.name) + " (cuda:" + std::to_string(i) + ", free now)";
    h.memory_bytes = static_cast<int64_t>(free_b);
    h.source = "detected";
    out.push_back(h);
  }
#endif
  return out;
}

Hardware plan_target(const std::string& gpu, double memory_gb, int64_t gpus) {
  LLMCP_CHECK(gpus >= 1, kInvalidArgument, "the number of GPUs (gpus) must be at least 1");
  LLMCP_CHECK(gpu.empty() || memory_gb <= 0, kInvalidArgument,
              "give either a GPU (gpu) or an amount of memory (memory_gb; --memory on the command line), not both");
  Hardware h;
  if (!gpu.empty()) {
    const auto& g = find_gpu(gpu);
    h.device = "cuda";
    h.name = g.name;
    h.memory_bytes = g.memory_bytes;
    h.source = "--gpu";
  } else if (memory_gb > 0) {
    h.device = "cpu";
    h.name = "the memory given";
    h.memory_bytes = static_cast<int64_t>(memory_gb * 1024.0 * 1024.0 * 1024.0);
    h.source = "--memory";
  } else {
    auto found = detect_gpus();
    h = found.empty() ? detect_cpu() : found.front();
    if (!found.empty()) gpus = std::max<int64_t>(gpus, static_cast<int64_t>(found.size()));
  }
  h.count = gpus;
  return h;
}

}  // namespace llmcp::plan
