// Reading and writing bitsandbytes' serialized quantized weights and quantization_config.
#include "quant/bnb_format.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "quant/blockwise.h"
#include "quant/bnb_keys.h"

namespace llmcp::quant {
namespace {

std::string dtype_name(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: LLMCP_FAIL(kInvalidArgument, "dtype ", c10::toString(t), " has no bitsandbytes name");
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

at::Tensor json_bytes(const nlohmann::json& j) {
  const std::string s = j.dump();
  auto t = at::empty({static_cast<int64_t>(s.size())}, at::kByte);
  std::copy(s.begin(), s.end(), t.data_ptr<uint8_t>());
  return t;
}

}  // namespace

at::ScalarType parse_compute_dtype(const std::string& name) {
  const std::string n = canonical_compute_dtype(name);
  return n == "bfloat16" ? at::kBFloat16 : n == "float16" ? at::kHalf : at::kFloat;
}

QuantSpec BnbConfig::spec() const {
  QuantSpec s;
  s.format = load_in_8bit ? WeightFormat::kInt8 : (quant_type == QuantType::kNf4 ? WeightFormat::kNf4 : WeightFormat::kFp4);
  s.blocksize = blocksize;
  s.double_quant = double_quant;
  s.compute_dtype = load_in_8bit ? at::kFloat : compute_dtype;
  s.int8_threshold = int8_threshold;
  return s;
}

BnbConfig BnbConfig::from_json(const nlohmann::json& j) { return from_keys(BnbKeys::from_json(j)); }

BnbConfig BnbConfig::from_keys(const BnbKeys& k) {
  BnbConfig c;
  c.load_in_4bit = k.load_in_4bit;
  c.load_in_8bit = k.load_in_8bit;
  c.quant_type = k.quant_type;
  c.compute_dtype = parse_compute_dtype(k.compute_dtype);
  c.double_quant = k.double_quant;
  c.blocksize = k.blocksize;
  c.skip_modules = k.skip_modules;
  c.int8_threshold = k.int8_threshold;
  return c;
}

nlohmann::json BnbConfig::to_json() const {
  return {{"quant_method", "bitsandbytes"},
          {"load_in_4bit", load_in_4bit},
          {"load_in_8bit", load_in_8bit},
          {"bnb_4bit_quant_type", quant_type_name(quant_type)},
          {"bnb_4bit_compute_dtype", dtype_name(compute_dtype)},
          {"bnb_4bit_use_double_quant", double_quant},
          {"bnb_4bit_quant_storage", "uint8"},
          {"llm_int8_threshold", int8_threshold},
          {"llm_int8_has_fp16_weight", false},
          {"llm_int8_enable_fp32_cpu_offload", false},
          {"llm_int8_skip_modules", skip_modules.empty() ? nlohmann::json(nullptr) : nlohmann::json(skip_modules)}};
}

bool BnbConfig::skips(const std::string& module, const std::string& lm_head) const {
  if (module == lm_head) return true;
  // transformers matches a skip entry against the module name or its last component(s).
  return std::any_of(skip_modules.begin(), skip_modules.end(), [&](const std::string& s) {
    return module == s || ends_with(module, "." + s);
  });
}

void append_bnb_tensors(const std::string& m, const QuantizedWeight& w, NamedTensorList& out) {
  auto cpu = [](const at::Tensor& t) { return t.to(at::kCPU).contiguous(); };
  if (w.format == WeightFormat::kInt8) {
    out.emplace_back(m + ".weight", cpu(w.data));
    out.emplace_back(m + ".SCB", cpu(w.absmax));
    out.emplace_back(m + ".weight_format", at::zeros({}, at::kByte));
    return;
  }
  const std::string p = m + ".weight";
  out.emplace_back(p, cpu(w.data));
  out.emplace_back(p + ".absmax", cpu(w.absmax));
  out.emplace_back(p + ".quant_map", cpu(w.code));
  nlohmann::json state = {{"quant_type", quant_type_name(w.quant_type())},
                          {"blocksize", w.blocksize},
                          {"dtype", dtype_name(w.source_dtype)},
                          {"shape", {w.out, w.in}}};
  if (w.nested) {
    out.emplace_back(p + ".nested_absmax", cpu(w.nested_absmax));
    out.emplace_back(p + ".nested_quant_map", cpu(w.nested_code));
    state["nested_blocksize"] = w.nested_blocksize;
    state["nested_dtype"] = "float32";
    state["nested_offset"] = static_cast<double>(w.offset);
  }
  out.emplace_back(p + ".quant_state.bitsandbytes__" + quant_type_name(w.quant_type()), json_bytes(state));
}

bool is_bnb_state_key(const std::string& key) {
  for (const char* s : {".weight.absmax", ".weight.quant_map", ".weight.nested_absmax", ".weight.nested_quant_map",
                        ".weight.quant_state.bitsandbytes__nf4", ".weight.quant_state.bitsandbytes__fp4", ".SCB",
                        ".weight_format"})
    if (ends_with(key, s)) return true;
  return false;
}

std::shared_ptr<QuantizedWeight> read_bnb_weight(const std::string& m, const TensorLookup& get,
                                                 at::ScalarType compute_dtype) {
  const std::string p = m + ".weight";
  auto need = [&](const std::string& key) {
    auto t = get(key);
    LLMCP_CHECK(t.defined(), kNotFound, "quantized weight '", m, "' lacks '", key,
                "'; the checkpoint is incomplete (bitsandbytes writes it beside the weight)");
    return t;
  };
  auto q = std::make_shared<QuantizedWeight>();
  q->compute_dtype = compute_dtype;
  if (auto scb = get(m + ".SCB"); scb.defined()) {
    if (auto fmt = get(m + ".weight_format"); fmt.defined())
      LLMCP_CHECK(fmt.numel() == 1 && fmt.to(at::kLong).item<int64_t>() == 0, kUnsupported, "'", m,
                  ".weight_format' is not 0 (row-major); only row-major int8 weights load");
    q->format = WeightFormat::kInt8;
    q->data = need(p);
    LLMCP_CHECK(q->data.dim() == 2, kShapeMismatch, "int8 weight '", p, "' must be 2-D, got ", q->data.sizes());
    q->out = q->data.size(0);
    q->in = q->data.size(1);
    q->absmax = scb.to(at::kFloat);
    q->compute_dtype = at::kFloat;
    q->validate(m);
    return q;
  }
  at::Tensor state_bytes;
  for (QuantType t : {QuantType::kNf4, QuantType::kFp4}) {
    auto s = get(p + ".quant_state.bitsandbytes__" + quant_type_name(t));
    if (!s.defined()) continue;
    LLMCP_CHECK(!state_bytes.defined(), kInvalidArgument, "'", m, "' has both an nf4 and an fp4 quant_state");
    state_bytes = s;
    q->format = t == QuantType::kNf4 ? WeightFormat::kNf4 : WeightFormat::kFp4;
  }
  if (!state_bytes.defined()) return nullptr;
  auto bytes = state_bytes.to(at::kCPU, at::kByte).contiguous();
  const std::string text(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(bytes.numel()));
  nlohmann::json st;
  try {
    st = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kInvalidArgument, "the quant_state of '", m, "' is not valid JSON: ", e.what());
  }
  try {
    LLMCP_CHECK(st.at("quant_type").get<std::string>() == format_name(q->format), kInvalidArgument, "the quant_state of '",
                m, "' says quant_type ", st.at("quant_type").dump(), " but its key says ", format_name(q->format));
    q->blocksize = st.at("blocksize").get<int64_t>();
    const auto shape = st.at("shape").get<std::vector<int64_t>>();
    LLMCP_CHECK(shape.size() == 2, kShapeMismatch, "quantized weight '", m, "' has shape ", st.at("shape").dump(),
                "; only 2-D linear weights are supported");
    q->out = shape[0];
    q->in = shape[1];
    q->source_dtype = parse_compute_dtype(st.at("dtype").get<std::string>());
    if (st.contains("nested_blocksize")) {
      q->nested = true;
      q->nested_blocksize = st.at("nested_blocksize").get<int64_t>();
      q->offset = st.at("nested_offset").get<float>();
      LLMCP_CHECK(st.value("nested_dtype", "float32") == "float32", kUnsupported, "'", m, "': nested_dtype ",
                  st["nested_dtype"].dump(), " is not supported; bitsandbytes writes float32");
    }
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kInvalidArgument, "the quant_state of '", m, "' lacks a field or has a wrong type: ", e.what());
  }
  q->data = need(p).to(at::kByte).reshape({-1, 1});
  q->absmax = need(p + ".absmax");
  q->code = need(p + ".quant_map").to(at::kFloat).contiguous();
  if (q->nested) {
    q->nested_absmax = need(p + ".nested_absmax").to(at::kFloat).contiguous();
    q->nested_code = need(p + ".nested_quant_map").to(at::kFloat).contiguous();
  } else {
    q->absmax = q->absmax.to(at::kFloat);
  }
  q->absmax = q->absmax.contiguous();
  q->validate(m);
  return q;
}

}  // namespace llmcp::quant
