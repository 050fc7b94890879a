// See fused_experts.h.
#include "model/fused_experts.h"

#include "core/dtype.h"
#include "core/error.h"

namespace llmcp::model {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace

std::optional<io::TensorView> fused_expert_view(const io::Checkpoint& ckpt, const WeightNames& names,
                                                const DecoderConfig& cfg, const std::string& name) {
  if (!cfg.moe || names.fused_experts.empty() || !name.starts_with(names.layer_prefix)) return std::nullopt;
  const std::string rest = name.substr(names.layer_prefix.size());
  const size_t dot = rest.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const std::string layer = names.layer_prefix + rest.substr(0, dot) + ".";
  const std::string local = rest.substr(dot + 1);
  if (local == names.router + ".weight") {
    const io::TensorView* router = ckpt.find(layer + names.fused_router + ".weight");
    if (router == nullptr) return std::nullopt;
    return *router;
  }
  if (!local.starts_with(names.experts) || !local.ends_with(".weight")) return std::nullopt;
  const std::string expert_part = local.substr(names.experts.size(), local.size() - names.experts.size() - 7);
  const size_t dot2 = expert_part.find('.');
  if (dot2 == std::string::npos) return std::nullopt;
  const std::string index = expert_part.substr(0, dot2);
  if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int64_t e = std::stoll(index);
  if (e >= cfg.moe->num_experts) return std::nullopt;
  const std::string which = expert_part.substr(dot2 + 1);
  const bool down = which == names.expert_down;
  if (!down && which != names.expert_gate && which != names.expert_up) return std::nullopt;

  const std::string fused_name = layer + names.fused_experts + (down ? "down_proj" : "gate_up_proj");
  const io::TensorView* fused = ckpt.find(fused_name);
  if (fused == nullptr) return std::nullopt;
  const int64_t E = cfg.moe->num_experts, I = cfg.intermediate_size, H = cfg.hidden_size;
  const std::vector<int64_t> want = down ? std::vector<int64_t>{E, H, I} : std::vector<int64_t>{E, 2 * I, H};
  LLMCP_CHECK(fused->shape == want, kShapeMismatch, "fused expert weight '", fused_name, "' in ", ckpt.dir().string(),
              " has shape ", shape_text(fused->shape), " but config.json implies ", shape_text(want));
  // Expert e's rows: down_proj[e] (H rows of I), gate_up_proj[e][0:I) for the gate, [I:2I) for up.
  const int64_t rows = down ? H : I, cols = down ? I : H;
  const int64_t first_row = e * (down ? H : 2 * I) + (which == names.expert_up ? I : 0);
  const size_t row_bytes = static_cast<size_t>(cols) * core::dtype_size(fused->dtype);
  io::TensorView v = *fused;
  v.name = name;
  v.shape = {rows, cols};
  v.data = fused->data + static_cast<size_t>(first_row) * row_bytes;
  v.nbytes = static_cast<size_t>(rows) * row_bytes;
  return v;
}

}  // namespace llmcp::model
