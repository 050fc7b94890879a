// Adapters against Hugging Face PEFT itself in fp64 (tools/reference/peft_fp64.py in the pinned
// Python environment, $LLMCP_PYTHON): logits, the masked loss, every adapter gradient and the
// merged weights, for LoRA, rsLoRA with rank/alpha patterns, and DoRA, on a model with attention
// biases. The adapter reaches PEFT through its folder, so the saved files are checked too. (The
// fp32 interop tests compare logits; fp64 resolves each gradient.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "io/safetensors.h"
#include "model/loader.h"
#include "model/tensor_view.h"
#include "peft/peft_io.h"
#include "peft_test_util.h"
#include "test_util.h"

namespace llmcp::peft {
namespace {

struct Case {
  const char* name;
  const char* config;  // adapter_config.json keys
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class PeftReferenceTest : public ::testing::TestWithParam<Case> {};

TEST_P(PeftReferenceTest, MatchesReference) {
  llmcp::testing::TempDir dir;
  testing::make_tiny_model(dir / "m", R"({"attention_bias": true})");
  auto decoder = model::load_decoder(dir / "m", {"float32", "cpu", {}, {}});
  PeftModel peft(*decoder);
  auto cfg = lora_config_from_json(nlohmann::json::parse(GetParam().config), "test");
  cfg.init = LoraInit::kNone;  // B != 0 so every gradient is non-trivial
  peft.add_adapter("default", cfg, 21);
  if (cfg.use_dora)  // m != ||W0 + sBA||
    for (auto& p : peft.parameters("default"))
      if (p.key.ends_with("magnitude_vector")) *p.tensor = (p.tensor->detach() * 0.8 + 0.05).requires_grad_(true);
  save_adapter(peft, "default", dir / "adapter");

  const int64_t B = 2, T = 11;
  auto ids = testing::random_ids(B, T, 8);
  auto targets = at::ones_like(ids);
  targets.narrow(1, 0, 5).zero_();  // loss only on the "completion"
  auto to_list = [](const at::Tensor& t) {
    std::vector<std::vector<int64_t>> v(t.size(0));
    for (int64_t b = 0; b < t.size(0); ++b)
      for (int64_t i = 0; i < t.size(1); ++i) v[b].push_back(t[b][i].item<int64_t>());
    return v;
  };
  std::ofstream(dir / "inputs.json") << nlohmann::json{{"input_ids", to_list(ids)}, {"loss_mask", to_list(targets)}}.dump();
  const char* python = std::getenv("LLMCP_PYTHON");
  ASSERT_TRUE(python != nullptr && *python) << "LLMCP_PYTHON is not set: run through `make test`, or set "
                                               "LLMCP_PYTHON=$(scripts/install-python-env.sh)";
  auto cmd = std::string(python) + " " +
             (llmcp::testing::source_dir() / "tools/reference/peft_fp64.py").string() + " --model " +
             (dir / "m").string() + " --adapter " + (dir / "adapter").string() + " --inputs " +
             (dir / "inputs.json").string() + " --out " + (dir / "ref.safetensors").string();
  auto r = llmcp::testing::run_command(cmd);
  ASSERT_EQ(r.status, 0) << "PEFT (fp64) failed:\n" << r.output;
  auto ref = io::SafetensorsFile::open(dir / "ref.safetensors");
  auto get = [&](const std::string& n) { return model::tensor_from_view(ref->at(n), at::kDouble, at::kCPU); };

  // Load what was saved (a second path through the file format) and compare against the reference.
  auto decoder2 = model::load_decoder(dir / "m", {"float32", "cpu", {}, {}});
  PeftModel loaded(*decoder2);
  load_adapter(loaded, dir / "adapter", "default");
  // Both sides in fp64 (rotary tables are fp32 on both, as in HF), so what remains is rounding of
  // those tables amplified by the deep random adapters: ~1e-5, against O(1) for a semantic error.
  for (auto& s : decoder2->tensors()) *s.tensor = s.tensor->to(at::kDouble);
  for (auto& p : loaded.parameters("default")) *p.tensor = p.tensor->detach().to(at::kDouble).requires_grad_(true);
  auto logits = decoder2->forward(ids);
  auto loss = testing::masked_nll(logits, ids, targets);
  loss.backward();
  EXPECT_LT((logits - get("logits")).abs().max().item<double>(), 1e-5);  // the reference stores F32
  EXPECT_NEAR(loss.item<double>(), get("loss").item<double>(), 1e-6);
  int grads = 0;
  for (auto& p : loaded.parameters("default")) {
    auto g = get("grad." + p.key);
    const double scale = std::max(1.0, g.abs().max().item<double>());
    EXPECT_LT((p.tensor->grad() - g).abs().max().item<double>(), 5e-5 * scale) << p.key;
    EXPECT_GT(g.abs().max().item<double>(), 0) << p.key;
    ++grads;
  }
  EXPECT_GT(grads, 0);
  loaded.merge("default");
  for (auto* l : decoder2->linears()) {
    if (!ref->find("merged." + l->name + ".weight")) continue;
    EXPECT_LT((l->weight - get("merged." + l->name + ".weight")).abs().max().item<double>(), 1e-6) << l->name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, PeftReferenceTest,
    ::testing::Values(Case{"lora_qv", R"({"r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]})"},
                      Case{"rslora_patterns_all_linear",
                           R"({"r": 4, "lora_alpha": 16, "use_rslora": true, "target_modules": "all-linear",
                               "rank_pattern": {"down_proj": 2}, "alpha_pattern": {"layers\\.1\\.self_attn\\.o_proj": 3}})"},
                      Case{"dora", R"({"r": 4, "lora_alpha": 8, "use_dora": true,
                                       "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "up_proj"]})"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace llmcp::peft
