// Facade implementation: wires model loading, tokenizer and generation for front ends.
#include "engine/engine.h"
#include "engine/generation.h"

#include <filesystem>
#include <optional>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/staged_dir.h"
#include "infer/generate.h"
#include "io/hf_config.h"
#include "model/arch_registry.h"
#include "model/loader.h"
#include "model/synthetic.h"
#include "peft/peft_io.h"
#include "quant/bnb_keys.h"
#include "peft/peft_model.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::engine {
namespace {
int64_t dtype_bytes(const std::string& torch_dtype) {
  return (torch_dtype == "float32" || torch_dtype == "fp32") ? 4 : 2;
}

infer::SamplingParams sampling_params(const GenerateRequest& req, const io::GenerationDefaults& d) {
  infer::SamplingParams p;
  const bool config_samples = d.do_sample.value_or(false);
  p.temperature = req.temperature.value_or(config_samples ? d.temperature.value_or(1.0) : 0.0);
  const bool sampling = p.temperature > 0;
  p.top_k = req.top_k.value_or(sampling ? d.top_k.value_or(50) : 0);
  p.top_p = req.top_p.value_or(sampling ? d.top_p.value_or(1.0) : 1.0);
  p.min_p = req.min_p.value_or(sampling ? d.min_p.value_or(0.0) : 0.0);
  p.repetition_penalty = req.repetition_penalty.value_or(d.repetition_penalty.value_or(1.0));
  p.seed = req.seed;
  return p;
}

TokenLogprob token_logprob_text(const infer::TokenLogprob& l, const tokenizer::Tokenizer& tok) {
  auto text = [&](int64_t id) { return tok.decode(std::vector<int32_t>{static_cast<int32_t>(id)}); };
  TokenLogprob out{text(l.token), l.logprob, {}};
  for (const auto& [id, lp] : l.top) out.top.emplace_back(text(id), lp);
  return out;
}
}  // namespace

std::vector<std::string> model_presets() { return model::synthetic_presets(); }

nlohmann::json create_model(const CreateModelRequest& req) {
  LLMCP_CHECK(!req.out_dir.empty(), kInvalidArgument, "an output folder is required (--out DIR)");
  model::SyntheticSpec spec;
  spec.family = req.arch;
  spec.preset = req.preset;
  spec.seed = req.seed;
  spec.dtype = req.dtype;
  spec.overrides = req.overrides;
  spec.tokenizer_vocab = req.tokenizer_vocab;
  spec.tokenizer_corpus = req.tokenizer_corpus;
  spec.extra_special_tokens = req.special_tokens;
  spec.extra_added_tokens = req.added_tokens;
  spec.chat_template = req.chat_template;
  core::check_not_input(req.out_dir, {req.tokenizer_corpus, req.chat_template}, "--out");
  core::StagedDir out(req.out_dir, req.overwrite ? core::Overwrite::kReplace : core::Overwrite::kRefuse);
  model::create_synthetic_model(spec, out.path());
  out.commit();
  auto info = model_info(req.out_dir);
  info["path"] = req.out_dir;
  return info;
}

nlohmann::json model_info(const std::string& model_dir) {
  auto c = model::load_decoder_config(model_dir);
  const int64_t bytes = dtype_bytes(c.torch_dtype);
  const int64_t params = c.parameter_count();
  const int64_t kv_per_token = 2 * c.num_layers * c.num_kv_heads * c.head_dim * bytes;
  nlohmann::json j;
  j["architecture"] = c.architecture;
  j["parameters"] = params;
  if (c.moe) {
    j["experts"] = c.moe->num_experts;
    j["experts_per_token"] = c.moe->top_k;
    j["active_parameters"] = c.active_parameter_count();
  }
  j["dtype"] = c.torch_dtype;
  j["context_length"] = c.max_position;
  j["layers"] = c.num_layers;
  j["hidden_size"] = c.hidden_size;
  j["attention_heads"] = c.num_heads;
  j["kv_heads"] = c.num_kv_heads;
  j["vocab_size"] = c.vocab_size;
  j["sliding_window"] = c.sliding_window ? nlohmann::json(*c.sliding_window) : nlohmann::json();
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["weights_bytes"] = params * bytes;
  j["kv_cache_bytes_per_token"] = kv_per_token;
  // The KV cache keeps every token (no sliding-window eviction yet), so a full context costs
  // max_position tokens of cache.
  j["memory_bytes"] = params * bytes + kv_per_token * c.max_position;
  // A quantized checkpoint (bitsandbytes' quantization_config): what the linears are stored as.
  const auto raw = nlohmann::json::parse(core::read_file(std::filesystem::path(model_dir) / "config.json"), nullptr, false);
  if (raw.is_object() && raw.contains("quantization_config") && raw["quantization_config"].is_object()) {
    const auto& qc = raw["quantization_config"];
    nlohmann::json q = {{"method", qc.value("quant_method", std::string("bitsandbytes"))}};
    std::optional<quant::BnbKeys> k;
    try {
      if (q["method"] == "bitsandbytes") k = quant::BnbKeys::from_json(qc);
    } catch (const core::Error& e) {
      q["error"] = e.what();  // info describes what it cannot load too; loading says the same
    }
    if (!k) {
      q["type"] = q["method"];
    } else if (k->load_in_8bit) {
      q["type"] = "int8";
    } else {
      q["type"] = quant::quant_type_name(k->quant_type);
      q["blocksize"] = k->blocksize;
      q["double_quant"] = k->double_quant;
      q["compute_dtype"] = k->compute_dtype;
    }
    j["quantization"] = q;
  } else {
    j["quantization"] = nullptr;
  }
  return j;
}

PreparedGeneration prepare_generation(const model::DecoderConfig& config, const tokenizer::Tokenizer& tok,
                                      const GenerateRequest& req, const std::atomic<bool>* stop,
                                      const std::function<bool(const std::string&)>& on_text,
                                      bool prompt_has_special_tokens) {
  auto defaults = io::load_generation_defaults(req.model_dir);
  infer::GenerateOptions opts;
  opts.max_new_tokens = req.max_new_tokens.value_or(defaults.max_new_tokens.value_or(128));
  opts.max_new_tokens_given = req.max_new_tokens.has_value();
  opts.truncate_prompt = req.truncate;
  opts.max_new_tokens_name = req.max_new_tokens_name;
  opts.truncate_hint = req.truncate_hint;
  LLMCP_CHECK(opts.max_new_tokens >= 0, kInvalidArgument, req.max_new_tokens_name, " must be >= 0");
  opts.sampling = sampling_params(req, defaults);
  opts.sampling.validate();
  auto ids32 = tok.encode(req.prompt, /*add_special_tokens=*/!prompt_has_special_tokens);  // bad UTF-8 fails here
  opts.eos_ids = defaults.eos_token_ids.empty() ? config.eos_token_ids : defaults.eos_token_ids;
  if (opts.eos_ids.empty() && tok.special().eos) opts.eos_ids.push_back(*tok.special().eos);
  if (req.ignore_eos) opts.eos_ids.clear();
  opts.stop_strings = req.stop;
  LLMCP_CHECK(req.logprobs >= -1 && req.logprobs <= 20, kInvalidArgument,
              "logprobs must be 0 to 20 (or -1 for none), got ", req.logprobs);
  opts.logprobs = req.logprobs;
  if (req.on_logprob)
    opts.on_logprob = [&tok, cb = req.on_logprob](const infer::TokenLogprob& l) { cb(token_logprob_text(l, tok)); };
  opts.on_text = [stop, on_text](const std::string& piece) {
    if (stop && stop->load()) return false;
    return on_text ? on_text(piece) : true;
  };
  return {std::vector<int64_t>(ids32.begin(), ids32.end()), opts};
}

GenerateResponse generation_response(const infer::GenerateResult& r, const tokenizer::Tokenizer& tok) {
  GenerateResponse out;
  for (const auto& l : r.logprobs) out.logprobs.push_back(token_logprob_text(l, tok));
  out.text = r.text;
  out.finish_reason = r.finish_reason;
  out.prompt_tokens = r.prompt_tokens;
  out.truncated_tokens = r.truncated_tokens;
  out.completion_tokens = static_cast<int64_t>(r.tokens.size());
  if (r.prefill_seconds > 0) out.prefill_tokens_per_second = r.prompt_tokens / r.prefill_seconds;
  if (r.decode_seconds > 0 && r.tokens.size() > 1)
    out.decode_tokens_per_second = static_cast<double>(r.tokens.size() - 1) / r.decode_seconds;
  return out;
}

GenerateResponse generate_with(const model::Decoder& decoder, const tokenizer::Tokenizer& tok,
                               const GenerateRequest& req, const std::atomic<bool>* stop,
                               const std::function<bool(const std::string&)>& on_text, bool prompt_has_special_tokens) {
  const auto p = prepare_generation(decoder.config(), tok, req, stop, on_text, prompt_has_special_tokens);
  return generation_response(infer::generate(decoder, tok, p.ids, p.options), tok);
}

GenerateResponse generate(const GenerateRequest& req, const std::function<bool(const std::string&)>& on_text) {
  LLMCP_CHECK(!req.model_dir.empty(), kInvalidArgument, "a model folder is required (--model DIR)");
  // Everything cheap is checked before the weights are read.
  auto defaults = io::load_generation_defaults(req.model_dir);
  sampling_params(req, defaults).validate();
  LLMCP_CHECK(req.max_new_tokens.value_or(0) >= 0, kInvalidArgument, "max_new_tokens must be >= 0");
  auto tok = tokenizer::Tokenizer::from_dir(req.model_dir);
  const auto ids = tok.encode(req.prompt, /*add_special_tokens=*/true);  // bad UTF-8 fails here
  infer::GenerateOptions fit;  // a prompt that cannot fit fails before the weights load
  fit.max_new_tokens = req.max_new_tokens.value_or(defaults.max_new_tokens.value_or(128));
  fit.max_new_tokens_given = req.max_new_tokens.has_value();
  fit.truncate_prompt = req.truncate;
  fit.max_new_tokens_name = req.max_new_tokens_name;
  fit.truncate_hint = req.truncate_hint;
  infer::fit_context(static_cast<int64_t>(ids.size()), model::load_decoder_config(req.model_dir).max_position, fit);
  auto decoder = model::load_decoder(req.model_dir, {req.dtype, req.device, {}, {}});
  std::unique_ptr<peft::PeftModel> adapter;  // applied in place on the decoder while it lives
  if (!req.adapter_dir.empty()) {
    adapter = std::make_unique<peft::PeftModel>(*decoder);
    peft::load_adapter(*adapter, req.adapter_dir, "default");
  }
  return generate_with(*decoder, tok, req, nullptr, on_text);
}

}  // namespace llmcp::engine
