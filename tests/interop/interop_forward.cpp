// The llm-mcp side of the interop tests (tests/interop/*.py): runs our decoder on inputs written
// by the Python side and writes what it computed, so the real libraries (transformers, PEFT,
// bitsandbytes) are compared against this program's own loading and forward code, not a copy.
//
//   interop_forward --model DIR [--adapter DIR]... [--merge] [--dtype float32] [--quant JSON]
//                   --inputs IN.safetensors --out OUT.safetensors [--weights NAME,...]
//
// IN holds input_ids and attention_mask (int64 [B,T]). OUT gets logits (fp32 [B,T,V]) and loss
// (HF's causal-LM loss: labels = ids, padding ignored, shifted by one), plus, per --weights name,
// the module's weight as the forward uses it ("weight/NAME", fp32: a quantized base dequantized,
// merged adapters included).
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/loader.h"
#include "model/tensor_view.h"
#include "peft/peft_io.h"
#include "peft/peft_model.h"

namespace {

using namespace llmcp;

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

int run(int argc, char** argv) {
  std::string model_dir, inputs, out, dtype = "float32", quant_json;
  std::vector<std::string> adapters, weights;
  bool merge = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      LLMCP_CHECK(i + 1 < argc, kInvalidArgument, a, " needs a value");
      return argv[++i];
    };
    if (a == "--model") model_dir = value();
    else if (a == "--adapter") adapters.push_back(value());
    else if (a == "--merge") merge = true;
    else if (a == "--dtype") dtype = value();
    else if (a == "--quant") quant_json = value();
    else if (a == "--inputs") inputs = value();
    else if (a == "--out") out = value();
    else if (a == "--weights") weights = split_commas(value());
    else LLMCP_FAIL(kInvalidArgument, "unknown argument ", a);
  }
  LLMCP_CHECK(!model_dir.empty() && !inputs.empty() && !out.empty(), kInvalidArgument, "--model, --inputs and --out are required");

  model::LoadOptions opts;
  opts.dtype = dtype;
  if (!quant_json.empty()) opts.quant = quant::BnbConfig::from_json(nlohmann::json::parse(quant_json));
  auto decoder = model::load_decoder(model_dir, opts);
  peft::PeftModel peft(*decoder);
  std::vector<std::string> names;
  for (size_t i = 0; i < adapters.size(); ++i) {
    names.push_back("adapter" + std::to_string(i));
    peft::load_adapter(peft, adapters[i], names.back());
  }
  if (!names.empty()) peft.set_active(names);
  if (merge)
    for (const auto& n : names) peft.merge(n);

  auto in = io::SafetensorsFile::open(inputs);
  auto ids = model::tensor_from_view(in->at("input_ids"), at::kLong, at::kCPU);
  auto mask = model::tensor_from_view(in->at("attention_mask"), at::kLong, at::kCPU);

  at::NoGradGuard no_grad;
  auto logits = decoder->forward(ids, mask).to(at::kFloat);
  const int64_t T = ids.size(1);
  auto labels = ids.masked_fill(mask.eq(0), -100).narrow(1, 1, T - 1).reshape(-1);
  auto loss = at::cross_entropy_loss(logits.narrow(1, 0, T - 1).reshape({-1, logits.size(2)}), labels,
                                     {}, at::Reduction::Mean, -100);
  model::NamedTensors result{{"logits", logits.contiguous()}, {"loss", loss.reshape({1})}};
  if (!weights.empty()) {
    std::map<std::string, model::Linear*> by_name;
    for (auto* l : decoder->linears()) by_name[l->name] = l;
    for (const auto& w : weights) {
      auto it = by_name.find(w);
      LLMCP_CHECK(it != by_name.end(), kNotFound, "no linear module named ", w);
      result.emplace_back("weight/" + w, it->second->dense_weight(at::kFloat).contiguous());
    }
  }
  model::save_tensors(out, result);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "interop_forward: " << llmcp::core::user_message(e) << "\n";
    return 1;
  }
}
