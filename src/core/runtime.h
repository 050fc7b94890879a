// Process-wide torch set-up: intra-op threads from the machine (libtorch defaults to 1 here)
// and the compute device chosen by the user ("cpu", "cuda", "cuda:1", "auto").
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <optional>
#include <string>

namespace llmcp::core {

// Process-wide CPU set-up for a model that computes in `compute` (nullopt: not known yet).
// Threads: LLMCP_THREADS, else OMP_NUM_THREADS, else every hardware thread - except that fp32
// compute next to a pthread-parallel OpenBLAS gets one ATen thread (see cpu_intra_op_threads).
// Also, once: glibc keeps freed blocks below 32 MiB in its heap instead of returning them to the
// kernel, so a training step does not page-fault its activations in afresh every time.
// Safe to call again when the compute dtype changes (the last call wins).
void init_torch_threads(std::optional<c10::ScalarType> compute = std::nullopt);

// Hands the allocator's free pages back to the system (after a one-off burst of temporaries,
// such as quantizing a model while loading it, which would otherwise stay resident).
void release_free_memory();

// The rule, separate for tests. fp32 matmuls run in OpenBLAS's own pthread pool while ATen's
// elementwise kernels run in libgomp's pool; on a machine with as many threads as cores the two
// pools spin-wait on each other's cores (2 cores, `small` preset, `make bench`: fp32 decode went from
// 18.8 to 79.9 tok/s and a LoRA training step from 127 to 235 tok/s with this and the allocator set-up). bf16 matmuls go through oneDNN on
// libgomp's pool, so they keep every thread. An explicit thread count always wins.
int cpu_intra_op_threads(int hardware_threads, std::optional<int> requested, bool fp32_compute,
                         bool openblas_pthreads);

// Whether the BLAS in this process is OpenBLAS with its own pthread pool (openblas_get_parallel() == 1).
bool openblas_has_pthread_pool();

// Whether this CPU multiplies bf16 in hardware (x86: AVX512-BF16 or AMX-BF16; Arm: the BF16
// extension), from /proc/cpuinfo; LLMCP_CPU_BF16=0/1 overrides. Without it libtorch emulates bf16
// matmuls, several to tens of times slower than fp32.
bool cpu_has_native_bf16();
// The rule on one cpuinfo flags/features line, separate for tests.
bool cpuinfo_has_native_bf16(const std::string& flags);

// The dtype `bf16: true` autocasts to on `device`: bf16 on CPUs and on GPUs of compute capability
// 8.0 or newer (A100, H100, L4, RTX 30xx on); fp16 on older GPUs (V100, T4), which need a gradient
// scaler.
c10::ScalarType mixed_precision_dtype(const c10::Device& device);

// "auto" picks CUDA when available. Unknown or unavailable devices are an error saying which exist.
c10::Device parse_device(const std::string& spec);

}  // namespace llmcp::core
