// Presets, config round trip through the architecture's own writer/parser, streamed weights.
#include "model/synthetic.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/runtime.h"
#include "io/safetensors.h"
#include "model/arch_registry.h"
#include "model/loader.h"
#include "model/parameters.h"
#include "model/tensor_view.h"
#include "tokenizer/bpe_trainer.h"

namespace llmcp::model {
namespace {

struct Preset {
  const char* name;
  int64_t vocab, hidden, inter, layers, heads, kv_heads, max_pos;
};
// tiny ~1M params, small ~125M, 1b (TinyLlama shape), 7b (Llama-2-7b / Mistral-7B), 8b (Llama-3-8B).
constexpr Preset kPresets[] = {
    {"tiny", 512, 128, 384, 4, 4, 2, 2048},      {"small", 32000, 768, 2048, 12, 12, 4, 4096},
    {"1b", 32000, 2048, 5632, 22, 32, 4, 2048},  {"7b", 32000, 4096, 11008, 32, 32, 32, 4096},
    {"8b", 128256, 4096, 14336, 32, 32, 8, 8192},
};

// Ids of the special tokens, in the order the tokenizer is trained with: <unk> <s> </s> <pad>.
constexpr int64_t kBos = 1, kEos = 2, kPad = 3;

DecoderConfig preset_config(const SyntheticSpec& spec, const ArchSpec& arch) {
  const Preset* p = nullptr;
  for (const auto& candidate : kPresets)
    if (spec.preset == candidate.name) p = &candidate;
  std::string names;
  for (const auto& n : synthetic_presets()) names += " " + n;
  LLMCP_CHECK(p != nullptr, kInvalidArgument, "unknown preset '", spec.preset, "'; choose one of:", names);
  DecoderConfig c;
  c.architecture = arch.hf_name;
  c.vocab_size = p->vocab;
  c.hidden_size = p->hidden;
  c.intermediate_size = p->inter;
  c.num_layers = p->layers;
  c.num_heads = p->heads;
  c.num_kv_heads = p->kv_heads;
  c.head_dim = p->hidden / p->heads;
  c.max_position = p->max_pos;
  c.norm_eps = 1e-5;
  c.torch_dtype = dtype_to_string(parse_dtype(spec.dtype));
  c.bos_token_id = kBos;
  c.eos_token_ids = {kEos};
  if (spec.preset == "8b") {
    LLMCP_CHECK(spec.family == "llama", kInvalidArgument, "preset 8b is Llama-3-8B's shape; use --arch llama");
    c.rope.theta = 500000.0;
    c.rope.scaling = RopeScaling::kLlama3;
    c.rope.factor = 8.0;
    c.rope.original_max_position = 8192;
    c.max_position = 131072;
  }
  arch.adapt_preset(c, spec.preset);
  return c;
}

nlohmann::ordered_json tokenizer_config_json(const SyntheticSpec& spec, int64_t max_len) {
  nlohmann::ordered_json j;
  if (!spec.extra_special_tokens.empty()) j["additional_special_tokens"] = spec.extra_special_tokens;
  j["add_bos_token"] = true;
  j["add_eos_token"] = false;
  j["bos_token"] = "<s>";
  j["clean_up_tokenization_spaces"] = false;
  j["eos_token"] = "</s>";
  j["model_max_length"] = max_len;
  j["pad_token"] = "<pad>";
  j["tokenizer_class"] = "PreTrainedTokenizerFast";
  j["unk_token"] = "<unk>";
  if (!spec.chat_template.empty()) j["chat_template"] = core::read_file(spec.chat_template);
  return j;
}

void write_tokenizer(const SyntheticSpec& spec, const DecoderConfig& c, const std::filesystem::path& out) {
  LLMCP_CHECK(spec.tokenizer_vocab <= c.vocab_size, kInvalidArgument, "tokenizer vocabulary (",
              spec.tokenizer_vocab, ") exceeds the model's vocab_size (", c.vocab_size, ")");
  std::vector<std::string> lines;
  std::istringstream corpus(spec.tokenizer_corpus.empty() ? tokenizer::default_corpus()
                                                          : core::read_file(spec.tokenizer_corpus));
  for (std::string line; std::getline(corpus, line);)
    if (!line.empty()) lines.push_back(line + "\n");
  std::vector<std::string> added = {"<unk>", "<s>", "</s>", "<pad>"};
  added.insert(added.end(), spec.extra_special_tokens.begin(), spec.extra_special_tokens.end());
  added.insert(added.end(), spec.extra_added_tokens.begin(), spec.extra_added_tokens.end());
  std::string text = tokenizer::train_byte_level_bpe(lines, spec.tokenizer_vocab, added);
  auto tok = nlohmann::ordered_json::parse(text);
  // The trainer marks every added token special; the plain ones come last.
  const size_t first_plain = added.size() - spec.extra_added_tokens.size();
  for (size_t i = first_plain; i < added.size(); ++i) tok["added_tokens"][i]["special"] = false;
  // BOS is added by the post-processor, as in Llama-3's tokenizer.json.
  tok["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"pair",
       {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
        {{"SpecialToken", {{"id", "<s>"}, {"type_id", 1}}}},
        {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
      {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {kBos}}, {"tokens", {"<s>"}}}}}}};
  core::write_file_atomic(out / "tokenizer.json", tok.dump(2));
  core::write_file_atomic(out / "tokenizer_config.json", tokenizer_config_json(spec, c.max_position).dump(2));
  if (!spec.chat_template.empty())
    core::write_file_atomic(out / "chat_template.jinja", core::read_file(spec.chat_template));
}

}  // namespace

std::vector<std::string> synthetic_presets() {
  std::vector<std::string> out;
  for (const auto& p : kPresets) out.push_back(p.name);
  return out;
}

DecoderConfig synthetic_config(const SyntheticSpec& spec) {
  const ArchSpec& arch = find_arch_by_family(spec.family);
  LLMCP_CHECK(spec.overrides.is_object(), kInvalidArgument, "config overrides must be a JSON object");
  nlohmann::json j = arch.write_config(preset_config(spec, arch));
  for (auto it = spec.overrides.begin(); it != spec.overrides.end(); ++it) j[it.key()] = it.value();
  // The preset's head_dim follows its own shape; HF derives hidden_size / num_attention_heads when
  // the key is absent, so a reshaped model without an explicit head_dim gets the derived one.
  const bool reshaped = spec.overrides.contains("hidden_size") || spec.overrides.contains("num_attention_heads");
  if (reshaped && !spec.overrides.contains("head_dim")) j.erase("head_dim");
  DecoderConfig c = arch.parse_config(io::HfConfig::from_json(j, "synthetic " + spec.family + " config"));
  c.validate();
  return c;
}

void create_synthetic_model(const SyntheticSpec& spec, const std::filesystem::path& out) {
  core::init_torch_threads();
  const ArchSpec& arch = find_arch_by_family(spec.family);
  DecoderConfig c = synthetic_config(spec);
  std::filesystem::create_directories(out);
  write_tokenizer(spec, c, out);
  core::write_file_atomic(out / "config.json", arch.write_config(c).dump(2));
  // BOS/EOS as config.json has them (--config may set several EOS ids, e.g. ChatML's <|im_end|>).
  const nlohmann::json eos = c.eos_token_ids.size() == 1 ? nlohmann::json(c.eos_token_ids[0]) : nlohmann::json(c.eos_token_ids);
  nlohmann::ordered_json gen = {{"_from_model_config", true}, {"bos_token_id", c.bos_token_id.value_or(kBos)},
                                {"eos_token_id", eos}, {"pad_token_id", kPad}, {"transformers_version", "4.46.0"}};
  core::write_file_atomic(out / "generation_config.json", gen.dump(2));

  // Weights: one tensor at a time, so even the 8b preset never holds a second copy.
  at::ScalarType dtype = parse_dtype(spec.dtype);
  auto specs = parameter_specs(c, arch.names(c));
  std::vector<io::TensorSpec> file_specs;
  for (const auto& s : specs) file_specs.push_back({s.name, from_scalar_type(dtype), s.shape});
  io::SafetensorsWriter writer(out / "model.safetensors", file_specs, {{"format", "pt"}});
  auto gen_cpu = at::make_generator<at::CPUGeneratorImpl>(spec.seed);
  for (const auto& s : specs) {
    at::Tensor t;
    switch (s.init) {
      case Init::kNormal: t = at::normal(0.0, 0.02, s.shape, gen_cpu); break;
      case Init::kNearOne: t = 1.0 + at::normal(0.0, 0.1, s.shape, gen_cpu); break;
      case Init::kSmall: t = at::normal(0.0, 0.02, s.shape, gen_cpu); break;
    }
    t = t.to(dtype).contiguous();
    writer.write(s.name, t.data_ptr(), t.nbytes());
  }
  writer.commit();
}

}  // namespace llmcp::model
