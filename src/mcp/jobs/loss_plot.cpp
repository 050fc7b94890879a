// A tiny rasteriser (lines, dots, a 3x5 digit font) and a PNG writer on zlib; see loss_plot.h.
#include "mcp/jobs/loss_plot.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace llmcp::mcp {
namespace {

struct Rgb {
  uint8_t r, g, b;
};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<size_t>(w * h), Rgb{255, 255, 255}) {}
  void set(int x, int y, Rgb c) {
    if (x >= 0 && y >= 0 && x < w_ && y < h_) px_[static_cast<size_t>(y * w_ + x)] = c;
  }
  void line(double x0, double y0, double x1, double y1, Rgb c, int thick = 1) {
    const int n = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int i = 0; i <= n; ++i) {
      const double t = n ? static_cast<double>(i) / n : 0;
      const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0))), y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
      for (int dx = 0; dx < thick; ++dx)
        for (int dy = 0; dy < thick; ++dy) set(x + dx, y + dy, c);
    }
  }
  void dot(double x, double y, Rgb c) {
    for (int dx = -2; dx <= 2; ++dx)
      for (int dy = -2; dy <= 2; ++dy)
        if (dx * dx + dy * dy <= 5) set(static_cast<int>(std::lround(x)) + dx, static_cast<int>(std::lround(y)) + dy, c);
  }
  // Digits, '.', '-', 'e' in a 3x5 font, scaled x2.
  void text(int x, int y, const std::string& s, Rgb c) {
    static const char* glyphs[] = {"111101101101111", "010110010010111", "111001111100111", "111001111001111",
                                   "101101111001001", "111100111001111", "111100111101111", "111001001001001",
                                   "111101111101111", "111101111001111"};
    for (char ch : s) {
      const char* g = nullptr;
      if (ch >= '0' && ch <= '9') g = glyphs[ch - '0'];
      if (ch == '.') g = "000000000000010";
      if (ch == '-') g = "000000111000000";
      if (ch == 'e') g = "000111111100111";
      if (g)
        for (int i = 0; i < 15; ++i)
          if (g[i] == '1')
            for (int d = 0; d < 4; ++d) set(x + (i % 3) * 2 + d % 2, y + (i / 3) * 2 + d / 2, c);
      x += 8;
    }
  }
  std::string png() const {
    std::string raw;
    raw.reserve(static_cast<size_t>(h_ * (1 + 3 * w_)));
    for (int y = 0; y < h_; ++y) {
      raw.push_back(0);  // filter: none
      for (int x = 0; x < w_; ++x) {
        const Rgb& p = px_[static_cast<size_t>(y * w_ + x)];
        raw += {static_cast<char>(p.r), static_cast<char>(p.g), static_cast<char>(p.b)};
      }
    }
    uLongf size = compressBound(raw.size());
    std::string z(size, '\0');
    LLMCP_CHECK(compress2(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                          raw.size(), 9) == Z_OK,
                kInternal, "zlib failed to compress the plot");
    z.resize(size);
    std::string out = "\x89PNG\r\n\x1a\n";
    std::string ihdr;
    be32(ihdr, static_cast<uint32_t>(w_));
    be32(ihdr, static_cast<uint32_t>(h_));
    ihdr += {8, 2, 0, 0, 0};  // 8-bit RGB, deflate, no filter adaptivity, no interlace
    chunk(out, "IHDR", ihdr);
    chunk(out, "IDAT", z);
    chunk(out, "IEND", "");
    return out;
  }

 private:
  static void be32(std::string& s, uint32_t v) {
    s += {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  }
  static void chunk(std::string& out, const char* type, const std::string& data) {
    be32(out, static_cast<uint32_t>(data.size()));
    const std::string body = std::string(type, 4) + data;
    out += body;
    be32(out, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
  }
  int w_, h_;
  std::vector<Rgb> px_;
};

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::abs(v) >= 1000 || (v != 0 && std::abs(v) < 0.01) ? "%.2e" : "%.3g", v);
  return buf;
}

}  // namespace

std::string plot_loss_png(const std::vector<std::pair<int64_t, double>>& loss,
                          const std::vector<std::pair<int64_t, double>>& eval_loss, int width, int height) {
  Canvas c(width, height);
  const int left = 70, right = width - 15, top = 15, bottom = height - 30;
  const Rgb axis{90, 90, 90}, grid{225, 225, 225}, train{31, 119, 180}, eval{255, 127, 14};
  int64_t max_step = 1;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto* series : {&loss, &eval_loss})
    for (const auto& [s, v] : *series) {
      if (!std::isfinite(v)) continue;
      max_step = std::max(max_step, s);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) hi = lo + 1e-3 * std::max(1.0, std::abs(lo)), lo -= 1e-3 * std::max(1.0, std::abs(lo));
  auto X = [&](double s) { return left + (right - left) * s / static_cast<double>(max_step); };
  auto Y = [&](double v) { return bottom - (bottom - top) * (v - lo) / (hi - lo); };
  for (int i = 1; i < 4; ++i) c.line(left, top + (bottom - top) * i / 4.0, right, top + (bottom - top) * i / 4.0, grid);
  c.line(left, top, left, bottom, axis);
  c.line(left, bottom, right, bottom, axis);
  c.text(4, top - 4, number(hi), axis);
  c.text(4, bottom - 8, number(lo), axis);
  c.text(left, bottom + 10, "0", axis);
  const std::string steps = std::to_string(max_step);
  c.text(right - 8 * static_cast<int>(steps.size()), bottom + 10, steps, axis);
  for (size_t i = 1; i < loss.size(); ++i)
    if (std::isfinite(loss[i - 1].second) && std::isfinite(loss[i].second))
      c.line(X(static_cast<double>(loss[i - 1].first)), Y(loss[i - 1].second), X(static_cast<double>(loss[i].first)),
             Y(loss[i].second), train, 2);
  if (loss.size() == 1) c.dot(X(static_cast<double>(loss[0].first)), Y(loss[0].second), train);
  for (const auto& [s, v] : eval_loss)
    if (std::isfinite(v)) c.dot(X(static_cast<double>(s)), Y(v), eval);
  return c.png();
}

}  // namespace llmcp::mcp
