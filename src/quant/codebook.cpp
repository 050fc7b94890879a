// The code book constants and nearest-code search. The FP4 and dynamic maps are computed the way
// bitsandbytes computes them in fp32 (so they agree bit for bit); tests compare them with
// python3-torch running the same construction.
#include "quant/codebook.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace llmcp::quant {
namespace {

constexpr std::array<float, 16> kNf4 = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
    -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
    0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
    0.7229568362236023f, 1.0f};

// FP4 e2m1 with bitsandbytes' bias: bit 3 sign; 0b000 = 0, 0b001 = 0.0625, then 8, 12, 4, 6, 2, 3;
// normalised by the largest magnitude (12) in fp32.
std::array<float, 16> make_fp4() {
  const float raw[8] = {0.0f, 0.0625f, 8.0f, 12.0f, 4.0f, 6.0f, 2.0f, 3.0f};
  std::array<float, 16> out{};
  for (int i = 0; i < 8; ++i) {
    out[i] = raw[i] / 12.0f;
    out[i + 8] = -raw[i] / 12.0f;
  }
  return out;
}

// torch.linspace(start, end, steps) in fp32: the first half counts up from start, the second
// half down from end, with an fp32 step.
std::vector<float> linspace_f32(float start, float end, int64_t steps) {
  std::vector<float> v(static_cast<size_t>(steps));
  const float step = (end - start) / static_cast<float>(steps - 1);
  const int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; ++i)
    v[i] = i < half ? start + step * static_cast<float>(i) : end - step * static_cast<float>(steps - i - 1);
  return v;
}

std::array<float, 256> make_dynamic() {
  std::vector<float> data;
  const int max_exp = 7, non_sign = 7;
  for (int i = 0; i < max_exp; ++i) {
    const int64_t items = (int64_t{1} << (i + non_sign - max_exp)) + 1;
    auto b = linspace_f32(0.1f, 1.0f, items);
    // 10 ** (i - 6) is a Python scalar multiplied into an fp32 tensor: fp32 arithmetic.
    const float scale = static_cast<float>(std::pow(10.0, i - (max_exp - 1)));
    for (size_t k = 0; k + 1 < b.size(); ++k) {
      const float mean = (b[k] + b[k + 1]) / 2.0f;
      data.push_back(scale * mean);
      data.push_back(-scale * mean);
    }
  }
  data.push_back(0.0f);
  data.push_back(1.0f);
  LLMCP_CHECK(data.size() == 256, kInternal, "dynamic code has ", data.size(), " values");
  std::sort(data.begin(), data.end());
  std::array<float, 256> out{};
  std::copy(data.begin(), data.end(), out.begin());
  return out;
}

// Midpoints between neighbours of a sorted code, in fp32.
template <size_t N>
std::array<float, N - 1> midpoints(const std::array<float, N>& sorted) {
  std::array<float, N - 1> m{};
  for (size_t i = 0; i + 1 < N; ++i) m[i] = (sorted[i] + sorted[i + 1]) / 2.0f;
  return m;
}

// Index of the first midpoint >= x (torch.bucketize, right=False): ties go to the lower code.
template <size_t M>
size_t bucket(float x, const std::array<float, M>& mids) {
  return static_cast<size_t>(std::lower_bound(mids.begin(), mids.end(), x) - mids.begin());
}

}  // namespace

QuantType parse_quant_type(const std::string& name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "nf4") return QuantType::kNf4;
  if (n == "fp4") return QuantType::kFp4;
  LLMCP_FAIL(kInvalidArgument, "quant type '", name, "' is unknown; choose nf4 or fp4");
}

const char* quant_type_name(QuantType t) { return t == QuantType::kNf4 ? "nf4" : "fp4"; }

const std::array<float, 16>& code4(QuantType t) {
  static const std::array<float, 16> fp4 = make_fp4();
  return t == QuantType::kNf4 ? kNf4 : fp4;
}

uint8_t quantize4(float scaled, QuantType t) {
  if (t == QuantType::kNf4) {
    static const auto mids = midpoints(kNf4);
    return static_cast<uint8_t>(bucket(scaled, mids));
  }
  // FP4 magnitudes 0, 0.0625, 2, 3, 4, 6, 8, 12 (/12) at indices 0, 1, 6, 7, 4, 5, 2, 3.
  static const std::array<float, 8> mags = [] {
    const auto& c = code4(QuantType::kFp4);
    return std::array<float, 8>{c[0], c[1], c[6], c[7], c[4], c[5], c[2], c[3]};
  }();
  static const auto mids = midpoints(mags);
  static const uint8_t index_of[8] = {0, 1, 6, 7, 4, 5, 2, 3};
  const uint8_t sign = scaled < 0.0f ? 8 : 0;
  return static_cast<uint8_t>(sign | index_of[bucket(std::fabs(scaled), mids)]);
}

const std::array<float, 256>& dynamic_code() {
  static const std::array<float, 256> code = make_dynamic();
  return code;
}

uint8_t quantize8(float scaled, const std::array<float, 256>& code) {
  // The midpoints of the one code we use are cached; any other sorted code computes its own.
  static const auto dyn_mids = midpoints(dynamic_code());
  if (&code == &dynamic_code()) return static_cast<uint8_t>(bucket(scaled, dyn_mids));
  const auto mids = midpoints(code);
  return static_cast<uint8_t>(bucket(scaled, mids));
}

}  // namespace llmcp::quant
