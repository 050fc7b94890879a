// Thousands separators.
#include "core/format.h"

namespace llmcp::core {

std::string with_commas(int64_t v) {
  const std::string all = std::to_string(v);
  const size_t sign = v < 0 ? 1 : 0;
  std::string out = all.substr(0, sign);
  const size_t n = all.size() - sign;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += all[sign + i];
  }
  return out;
}

}  // namespace llmcp::core
