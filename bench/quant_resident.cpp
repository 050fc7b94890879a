// Resident memory of a model loaded with a 4-bit base against the bytes it must hold in theory:
// 0.5 byte per quantized parameter plus its constants (absmax per block, or with double
// quantization one byte per block plus the nested fp32 absmax, offset and code books), plus the
// dense tensors (embeddings, norms, LM head) at their dtype. Resident = VmRSS after loading minus
// VmRSS before (libtorch's own pages are in both). Prints one JSON line.
//   quant_resident --model DIR [--type nf4|fp4] [--double-quant 0|1] [--blocksize 64]
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "model/loader.h"

namespace {

int64_t rss_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return 0;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

int main(int argc, char** argv) {
  using namespace llmcp;
  std::string dir, type = "nf4";
  bool dq = true;
  int64_t blocksize = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") dir = v;
    else if (k == "--type") type = v;
    else if (k == "--double-quant") dq = v != "0";
    else if (k == "--blocksize") blocksize = std::stoll(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "usage: quant_resident --model DIR [--type nf4|fp4] [--double-quant 0|1] [--blocksize 64]\n";
    return 2;
  }
  at::NoGradGuard no_grad;
  (void)at::zeros({1});  // libtorch's lazily mapped pages count in the baseline, not in the model
  model::LoadOptions opts{"float32", "cpu", {}, {}};
  opts.quant.load_in_4bit = true;
  opts.quant.quant_type = type == "fp4" ? quant::QuantType::kFp4 : quant::QuantType::kNf4;
  opts.quant.double_quant = dq;
  opts.quant.blocksize = blocksize;
  const int64_t before = rss_bytes();
  auto m = model::load_decoder(dir, opts);
  const int64_t after = rss_bytes();

  int64_t dense = 0, quantized = 0, qparams = 0;
  for (auto& slot : m->tensors()) dense += slot.tensor->numel() * slot.tensor->element_size();
  for (auto& [name, w] : m->quantized_weights()) {
    const int64_t n = w->out * w->in, blocks = ceil_div(n, blocksize);
    qparams += n;
    quantized += ceil_div(n, 2) + 16 * 4;  // packed nibbles + the 16-entry code book
    quantized += dq ? blocks + 4 * ceil_div(blocks, 256) + 4 + 256 * 4 : 4 * blocks;
  }
  const int64_t theory = dense + quantized;
  nlohmann::json j = {{"type", type}, {"double_quant", dq}, {"blocksize", blocksize},
                      {"quantized_parameters", qparams}, {"theoretical_bytes", theory},
                      {"dense_bytes", dense}, {"quantized_bytes", quantized},
                      {"resident_bytes", after - before}, {"ratio", static_cast<double>(after - before) / theory}};
  std::cout << j.dump() << std::endl;
  return 0;
}
