// Thousands separators, byte sizes.
#include "core/format.h"

#include <cstdio>

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

std::string format_bytes(int64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes), mib = 1024.0 * 1024.0;
  if (b >= 1024.0 * mib) std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * mib));
  else if (b >= mib) std::snprintf(buf, sizeof buf, "%.1f MiB", b / mib);
  else std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  return buf;
}

}  // namespace llmcp::core
