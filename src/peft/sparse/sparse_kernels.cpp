// Loops written so the compiler vectorises them (independent lanes, no reassociation needed),
// compiled three times with different target ISAs; work split over rows/entries with ATen's pool.
#include "peft/sparse/sparse_kernels.h"

#include <ATen/Parallel.h>

namespace llmcp::peft {
namespace {

constexpr int kLanes = 16;

__attribute__((always_inline)) inline void axpy(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

__attribute__((always_inline)) inline float dot(const float* a, const float* b, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  float s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

__attribute__((always_inline)) inline void csr_rows(int64_t r0, int64_t r1, const int64_t* row_ptr, const int64_t* col,
                                                    const float* val, const float* B, int64_t N, float* out) {
  for (int64_t r = r0; r < r1; ++r) {
    float* o = out + r * N;
    for (int64_t n = 0; n < N; ++n) o[n] = 0;
    for (int64_t j = row_ptr[r]; j < row_ptr[r + 1]; ++j) axpy(val[j], B + col[j] * N, o, N);
  }
}

__attribute__((always_inline)) inline void dots(int64_t j0, int64_t j1, const int64_t* flat, int64_t in,
                                                const float* A, const float* B, int64_t N, float* out) {
  for (int64_t j = j0; j < j1; ++j) out[j] = dot(A + (flat[j] / in) * N, B + (flat[j] % in) * N, N);
}

__attribute__((target("avx512f"))) void csr_rows_avx512(int64_t r0, int64_t r1, const int64_t* p, const int64_t* c,
                                                         const float* v, const float* B, int64_t N, float* o) {
  csr_rows(r0, r1, p, c, v, B, N, o);
}
__attribute__((target("avx2,fma"))) void csr_rows_avx2(int64_t r0, int64_t r1, const int64_t* p, const int64_t* c,
                                                        const float* v, const float* B, int64_t N, float* o) {
  csr_rows(r0, r1, p, c, v, B, N, o);
}
void csr_rows_plain(int64_t r0, int64_t r1, const int64_t* p, const int64_t* c, const float* v, const float* B,
                    int64_t N, float* o) {
  csr_rows(r0, r1, p, c, v, B, N, o);
}

__attribute__((target("avx512f"))) void dots_avx512(int64_t j0, int64_t j1, const int64_t* f, int64_t in,
                                                     const float* A, const float* B, int64_t N, float* o) {
  dots(j0, j1, f, in, A, B, N, o);
}
__attribute__((target("avx2,fma"))) void dots_avx2(int64_t j0, int64_t j1, const int64_t* f, int64_t in,
                                                    const float* A, const float* B, int64_t N, float* o) {
  dots(j0, j1, f, in, A, B, N, o);
}
void dots_plain(int64_t j0, int64_t j1, const int64_t* f, int64_t in, const float* A, const float* B, int64_t N,
                float* o) {
  dots(j0, j1, f, in, A, B, N, o);
}

enum class Isa { kAvx512, kAvx2, kPlain };
Isa isa() {
  static const Isa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return Isa::kAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
    return Isa::kPlain;
  }();
  return best;
}

// Grain so that a task holds about 64k multiply-adds.
int64_t grain(int64_t work_per_item) { return std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, work_per_item)); }

}  // namespace

void csr_times_dense(int64_t rows, const int64_t* row_ptr, const int64_t* col, const float* val, const float* B,
                     int64_t N, float* out) {
  const int64_t nnz = row_ptr[rows];
  const int64_t per_row = rows > 0 ? (nnz / rows + 1) * N : N;
  auto body = isa() == Isa::kAvx512 ? csr_rows_avx512 : isa() == Isa::kAvx2 ? csr_rows_avx2 : csr_rows_plain;
  at::parallel_for(0, rows, grain(per_row), [&](int64_t r0, int64_t r1) { body(r0, r1, row_ptr, col, val, B, N, out); });
}

void sampled_dots(int64_t nnz, const int64_t* flat, int64_t in, const float* A, const float* B, int64_t N, float* out) {
  auto body = isa() == Isa::kAvx512 ? dots_avx512 : isa() == Isa::kAvx2 ? dots_avx2 : dots_plain;
  at::parallel_for(0, nnz, grain(N), [&](int64_t j0, int64_t j1) { body(j0, j1, flat, in, A, B, N, out); });
}

}  // namespace llmcp::peft
