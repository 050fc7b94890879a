// Prefill and decode throughput of the C++ decoder on one model folder, printed as JSON so
// bench/run.sh can put it beside transformers' numbers (bench/hf_generate.py) from the same run.
//   generate_bench --model DIR --dtype float32|bfloat16 --prompt-tokens 128 --new-tokens 64 --repeats 3
//                  [--device cpu|cuda]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/runtime.h"
#include "model/kv_cache.h"
#include "model/loader.h"

int main(int argc, char** argv) {
  std::string model, dtype = "float32", device = "cpu";
  int64_t prompt_tokens = 128, new_tokens = 64, repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model = v;
    else if (k == "--dtype") dtype = v;
    else if (k == "--device") device = v;
    else if (k == "--prompt-tokens") prompt_tokens = std::stoll(v);
    else if (k == "--new-tokens") new_tokens = std::stoll(v);
    else if (k == "--repeats") repeats = std::stoll(v);
  }
  using namespace llmcp;
  core::init_torch_threads();
  at::NoGradGuard no_grad;
  auto d = model::load_decoder(model, {dtype, device, {}, {}});
  auto ids = at::arange(4, 4 + prompt_tokens, at::kLong).remainder(500).add(4).view({1, -1});
  using clock = std::chrono::steady_clock;
  double best_prefill = 1e30, best_decode = 1e30;
  for (int64_t r = 0; r < repeats + 1; ++r) {  // first round warms up
    model::KvCache cache(d->config().num_layers);
    auto t0 = clock::now();
    auto logits = d->forward(ids, {}, &cache, model::LogitsFor::kLast);
    int64_t next = logits[0][0].argmax().item<int64_t>();
    auto t1 = clock::now();
    for (int64_t s = 0; s < new_tokens; ++s) {
      logits = d->forward(at::tensor({next}, at::kLong).view({1, 1}), {}, &cache, model::LogitsFor::kLast);
      next = logits[0][0].argmax().item<int64_t>();
    }
    auto t2 = clock::now();
    if (r == 0) continue;
    best_prefill = std::min(best_prefill, std::chrono::duration<double>(t1 - t0).count());
    best_decode = std::min(best_decode, std::chrono::duration<double>(t2 - t1).count());
  }
  nlohmann::json j = {{"impl", "llm-mcp"},
                      {"dtype", dtype},
                      {"threads", at::get_num_threads()},
                      {"prefill_tokens_per_s", prompt_tokens / best_prefill},
                      {"decode_tokens_per_s", new_tokens / best_decode}};
  std::cout << j.dump() << std::endl;
  return 0;
}
