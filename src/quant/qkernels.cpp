// SIMD bodies of the 4-bit kernels. A 16-entry code book fits one AVX-512 register
// (vpermps on the index) or two AVX2 registers (vpermps on the low 3 bits, blended on bit 3).
// Groups of 16 values (8 bytes) never straddle a block because block sizes are multiples of 32;
// unaligned starts and tails go through the scalar body.
#include "quant/qkernels.h"

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_*() as the masked-off source, which its
// own -Wuninitialized flags inside the headers (a known false positive).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace llmcp::quant {
namespace {

enum class Isa { kScalar, kAvx2, kAvx512 };

Isa detect() {
  if (const char* f = std::getenv("LLMCP_QKERNEL")) {
    if (std::strcmp(f, "scalar") == 0) return Isa::kScalar;
    if (std::strcmp(f, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return Isa::kAvx2;
  }
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
    const char* f = std::getenv("LLMCP_QKERNEL");
    if (!f || std::strcmp(f, "avx512") == 0) return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kScalar;
}

Isa& current() {
  static Isa i = detect();
  return i;
}
Isa isa() { return current(); }

inline float value_at(const Packed4& w, int64_t i) {
  const uint8_t byte = w.packed[i / 2];
  const uint8_t q = (i % 2 == 0) ? (byte >> 4) : (byte & 0xF);
  return w.lut[q] * w.absmax[i / w.blocksize - w.block0];
}

inline uint16_t to_bf16(float f) {  // round to nearest even (inputs are finite)
  uint32_t b;
  std::memcpy(&b, &f, 4);
  b += 0x7FFF + ((b >> 16) & 1);
  return static_cast<uint16_t>(b >> 16);
}

// 8 packed bytes -> 16 indices in value order (high nibble first).
__attribute__((target("avx2"))) inline __m128i unpack16(const uint8_t* p) {
  const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  const __m128i m = _mm_set1_epi8(0x0F);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), m);
  const __m128i lo = _mm_and_si128(v, m);
  return _mm_unpacklo_epi8(hi, lo);
}

// ---- AVX2 ----
struct Lut2 {
  __m256 lo, hi;
};
__attribute__((target("avx2,fma"))) inline __m256 lookup8(const Lut2& l, __m128i idx8) {
  const __m256i idx = _mm256_cvtepu8_epi32(idx8);
  const __m256 a = _mm256_permutevar8x32_ps(l.lo, idx);
  const __m256 b = _mm256_permutevar8x32_ps(l.hi, idx);
  return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
}

__attribute__((target("avx2,fma"))) void dequant_f32_avx2(const Packed4& w, int64_t i, int64_t end, float* out) {
  const Lut2 l{_mm256_loadu_ps(w.lut), _mm256_loadu_ps(w.lut + 8)};
  for (; i + 16 <= end; i += 16, out += 16) {
    const __m128i q = unpack16(w.packed + i / 2);
    const __m256 s = _mm256_set1_ps(w.absmax[i / w.blocksize - w.block0]);
    _mm256_storeu_ps(out, _mm256_mul_ps(lookup8(l, q), s));
    _mm256_storeu_ps(out + 8, _mm256_mul_ps(lookup8(l, _mm_srli_si128(q, 8)), s));
  }
}

__attribute__((target("avx2,fma"))) __m128i bf16x8_avx2(__m256 v) {
  __m256i b = _mm256_castps_si256(v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
  b = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(b, _mm256_set1_epi32(0x7FFF)), lsb), 16);
  // pack 8 x u32 (values < 65536) to 8 x u16, keeping order
  const __m128i lo = _mm256_castsi256_si128(b), hi = _mm256_extracti128_si256(b, 1);
  return _mm_packus_epi32(lo, hi);
}

__attribute__((target("avx2,fma"))) void dequant_bf16_avx2(const Packed4& w, int64_t i, int64_t end, uint16_t* out) {
  const Lut2 l{_mm256_loadu_ps(w.lut), _mm256_loadu_ps(w.lut + 8)};
  for (; i + 16 <= end; i += 16, out += 16) {
    const __m128i q = unpack16(w.packed + i / 2);
    const __m256 s = _mm256_set1_ps(w.absmax[i / w.blocksize - w.block0]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bf16x8_avx2(_mm256_mul_ps(lookup8(l, q), s)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8),
                     bf16x8_avx2(_mm256_mul_ps(lookup8(l, _mm_srli_si128(q, 8)), s)));
  }
}

__attribute__((target("avx2,fma"))) float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// One row of W against up to 4 rows of x; returns after the last full 16-group (`done`).
__attribute__((target("avx2,fma"))) int64_t row_dot_avx2(const Packed4& w, int64_t base, int64_t in, const float* x,
                                                          int64_t M, int64_t ldx, float* acc) {
  const Lut2 l{_mm256_loadu_ps(w.lut), _mm256_loadu_ps(w.lut + 8)};
  __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  int64_t c = 0;
  for (; c + 16 <= in; c += 16) {
    const int64_t i = base + c;
    const __m128i q = unpack16(w.packed + i / 2);
    const __m256 s = _mm256_set1_ps(w.absmax[i / w.blocksize - w.block0]);
    const __m256 w0 = _mm256_mul_ps(lookup8(l, q), s);
    const __m256 w1 = _mm256_mul_ps(lookup8(l, _mm_srli_si128(q, 8)), s);
    for (int64_t m = 0; m < M; ++m) {
      a[m] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + m * ldx + c), a[m]);
      a[m] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + m * ldx + c + 8), a[m]);
    }
  }
  for (int64_t m = 0; m < M; ++m) acc[m] = hsum_avx2(a[m]);
  return c;
}

// ---- AVX-512 ----
__attribute__((target("avx512f,avx512bw"))) void dequant_f32_avx512(const Packed4& w, int64_t i, int64_t end,
                                                                     float* out) {
  const __m512 lut = _mm512_loadu_ps(w.lut);
  for (; i + 16 <= end; i += 16, out += 16) {
    const __m512i idx = _mm512_cvtepu8_epi32(unpack16(w.packed + i / 2));
    const __m512 s = _mm512_set1_ps(w.absmax[i / w.blocksize - w.block0]);
    _mm512_storeu_ps(out, _mm512_mul_ps(_mm512_permutexvar_ps(idx, lut), s));
  }
}

__attribute__((target("avx512f,avx512bw"))) void dequant_bf16_avx512(const Packed4& w, int64_t i, int64_t end,
                                                                      uint16_t* out) {
  const __m512 lut = _mm512_loadu_ps(w.lut);
  const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7FFF);
  for (; i + 16 <= end; i += 16, out += 16) {
    const __m512i idx = _mm512_cvtepu8_epi32(unpack16(w.packed + i / 2));
    const __m512 s = _mm512_set1_ps(w.absmax[i / w.blocksize - w.block0]);
    __m512i b = _mm512_castps_si512(_mm512_mul_ps(_mm512_permutexvar_ps(idx, lut), s));
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), one);
    b = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(b, bias), lsb), 16);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_cvtepi32_epi16(b));
  }
}

__attribute__((target("avx512f,avx512bw"))) int64_t row_dot_avx512(const Packed4& w, int64_t base, int64_t in,
                                                                    const float* x, int64_t M, int64_t ldx,
                                                                    float* acc) {
  const __m512 lut = _mm512_loadu_ps(w.lut);
  __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  int64_t c = 0;
  for (; c + 16 <= in; c += 16) {
    const int64_t i = base + c;
    const __m512i idx = _mm512_cvtepu8_epi32(unpack16(w.packed + i / 2));
    const __m512 wv = _mm512_mul_ps(_mm512_permutexvar_ps(idx, lut),
                                    _mm512_set1_ps(w.absmax[i / w.blocksize - w.block0]));
    for (int64_t m = 0; m < M; ++m) a[m] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + m * ldx + c), a[m]);
  }
  for (int64_t m = 0; m < M; ++m) acc[m] = _mm512_reduce_add_ps(a[m]);
  return c;
}

// Scalar head up to a 16-aligned index, SIMD middle, scalar tail.
template <typename Out, typename Conv, typename Simd>
void dequant_range(const Packed4& w, int64_t begin, int64_t end, Out* out, Conv conv, Simd simd) {
  int64_t i = begin;
  for (; i < end && i % 16 != 0; ++i) out[i - begin] = conv(value_at(w, i));
  const int64_t mid_end = i + (end - i) / 16 * 16;
  if (mid_end > i) {
    simd(w, i, mid_end, out + (i - begin));
    i = mid_end;
  }
  for (; i < end; ++i) out[i - begin] = conv(value_at(w, i));
}

}  // namespace

void dequant4_f32(const Packed4& w, int64_t begin, int64_t end, float* out) {
  auto id = [](float v) { return v; };
  switch (isa()) {
    case Isa::kAvx512: return dequant_range(w, begin, end, out, id, dequant_f32_avx512);
    case Isa::kAvx2: return dequant_range(w, begin, end, out, id, dequant_f32_avx2);
    case Isa::kScalar:
      for (int64_t i = begin; i < end; ++i) out[i - begin] = value_at(w, i);
  }
}

void dequant4_bf16(const Packed4& w, int64_t begin, int64_t end, uint16_t* out) {
  switch (isa()) {
    case Isa::kAvx512: return dequant_range(w, begin, end, out, to_bf16, dequant_bf16_avx512);
    case Isa::kAvx2: return dequant_range(w, begin, end, out, to_bf16, dequant_bf16_avx2);
    case Isa::kScalar:
      for (int64_t i = begin; i < end; ++i) out[i - begin] = to_bf16(value_at(w, i));
  }
}

void gemv4_f32(const Packed4& w, int64_t in, int64_t row0, int64_t rows, const float* x, int64_t M, float* y,
               int64_t ldy) {
  for (int64_t m0 = 0; m0 < M; m0 += 4) {
    const int64_t mm = M - m0 < 4 ? M - m0 : 4;
    const float* xs = x + m0 * in;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t base = (row0 + r) * in;
      float acc[4] = {0, 0, 0, 0};
      int64_t c = 0;
      // The SIMD body needs the row to start on a 16-value boundary (true when in % 16 == 0).
      if (base % 16 == 0) {
        if (isa() == Isa::kAvx512) c = row_dot_avx512(w, base, in, xs, mm, in, acc);
        else if (isa() == Isa::kAvx2) c = row_dot_avx2(w, base, in, xs, mm, in, acc);
      }
      for (; c < in; ++c) {
        const float v = value_at(w, base + c);
        for (int64_t m = 0; m < mm; ++m) acc[m] += v * xs[m * in + c];
      }
      for (int64_t m = 0; m < mm; ++m) y[(m0 + m) * ldy + r] = acc[m];
    }
  }
}

void set_qkernel_isa(const std::string& name) {
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  if (name == "scalar") current() = Isa::kScalar;
  else if (name == "avx2" && avx2) current() = Isa::kAvx2;
  else if (name == "avx512" && avx512) current() = Isa::kAvx512;
  else LLMCP_FAIL(kUnsupported, "kernel body '", name, "' is unknown or this CPU lacks it (", qkernel_isa(), " in use)");
}

std::string qkernel_isa() {
  switch (isa()) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "scalar";
  }
}

}  // namespace llmcp::quant
