// Thread count, allocator settings and device selection for the torch layers.
#include "core/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#ifdef LLMCP_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace llmcp::core {

namespace {

std::optional<int> requested_threads() {
  for (const char* var : {"LLMCP_THREADS", "OMP_NUM_THREADS"}) {
    if (const char* v = std::getenv(var)) {
      const int parsed = std::atoi(v);
      if (parsed > 0) return parsed;
    }
  }
  return std::nullopt;
}

}  // namespace

int cpu_intra_op_threads(int hardware_threads, std::optional<int> requested, bool fp32_compute,
                         bool openblas_pthreads) {
  if (requested) return *requested;
  if (fp32_compute && openblas_pthreads) return 1;
  return std::max(1, hardware_threads);
}

bool openblas_has_pthread_pool() {
  using GetParallel = int (*)();
  auto* fn = reinterpret_cast<GetParallel>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  return fn != nullptr && fn() == 1;
}

bool cpuinfo_has_native_bf16(const std::string& flags) {
  std::istringstream in(flags);
  for (std::string f; in >> f;)
    if (f == "avx512_bf16" || f == "amx_bf16" || f == "bf16") return true;
  return false;
}

bool cpu_has_native_bf16() {
  if (const char* v = std::getenv("LLMCP_CPU_BF16")) return std::string(v) == "1";
  static const bool native = [] {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("flags", 0) == 0 || line.rfind("Features", 0) == 0) {
        const auto colon = line.find(':');
        return colon != std::string::npos && cpuinfo_has_native_bf16(line.substr(colon + 1));
      }
    return false;
  }();
  return native;
}

c10::ScalarType mixed_precision_dtype(const c10::Device& device) {
#ifdef LLMCP_CUDA
  if (device.is_cuda()) {
    const auto* p = at::cuda::getDeviceProperties(device.index() < 0 ? 0 : device.index());
    return p->major >= 8 ? at::kBFloat16 : at::kHalf;
  }
#else
  (void)device;
#endif
  return at::kBFloat16;
}

void init_torch_threads(std::optional<c10::ScalarType> compute) {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum; larger blocks are still mmap'ed
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
  const bool fp32 = compute && *compute == at::kFloat;
  const int n = cpu_intra_op_threads(static_cast<int>(std::thread::hardware_concurrency()), requested_threads(), fp32,
                                     openblas_has_pthread_pool());
  if (n != at::get_num_threads()) at::set_num_threads(n);
}

c10::Device parse_device(const std::string& spec) {
  bool cuda = at::hasCUDA();
  if (spec.empty() || spec == "auto") return cuda ? c10::Device("cuda") : c10::Device("cpu");
  c10::Device d = c10::kCPU;
  try {
    d = c10::Device(spec);
  } catch (const std::exception&) {
    LLMCP_FAIL(kInvalidArgument, "unknown device '", spec, "': use cpu, cuda, cuda:N or auto");
  }
  LLMCP_CHECK(!d.is_cuda() || cuda, kUnsupported, "device '", spec,
              "' requested but this build or machine has no CUDA; use the device cpu");
  LLMCP_CHECK(d.is_cpu() || d.is_cuda(), kUnsupported, "device '", spec, "' is not supported; use cpu or cuda");
  if (d.is_cuda() && d.has_index()) {
    const int n = at::detail::getCUDAHooks().getNumGPUs();
    LLMCP_CHECK(d.index() < n, kInvalidArgument, "device '", spec, "' does not exist: this machine has ", n,
                " GPU(s), cuda:0 to cuda:", n - 1);
  }
  return d;
}

void release_free_memory() { malloc_trim(0); }

}  // namespace llmcp::core
