// Thread count and device selection, done once at start-up.
#include "core/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <cstdlib>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace llmcp::core {

void init_torch_threads() {
  static std::once_flag once;
  std::call_once(once, [] {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    for (const char* var : {"LLMCP_THREADS", "OMP_NUM_THREADS"}) {
      if (const char* v = std::getenv(var)) {
        int parsed = std::atoi(v);
        if (parsed > 0) { n = parsed; break; }
      }
    }
    if (n > 0) at::set_num_threads(n);
  });
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
              "' requested but this build or machine has no CUDA; use --device cpu");
  LLMCP_CHECK(d.is_cpu() || d.is_cuda(), kUnsupported, "device '", spec, "' is not supported; use cpu or cuda");
  if (d.is_cuda() && d.has_index()) {
    const int n = at::detail::getCUDAHooks().getNumGPUs();
    LLMCP_CHECK(d.index() < n, kInvalidArgument, "device '", spec, "' does not exist: this machine has ", n,
                " GPU(s), cuda:0 to cuda:", n - 1);
  }
  return d;
}

}  // namespace llmcp::core
