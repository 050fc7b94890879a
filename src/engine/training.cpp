// Facade over train/ and peft/: config resolution, the training run, merging, evaluation with
// tool-call exact match (greedy generation, calls parsed in the template's style).
#include "engine/training.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/staged_dir.h"
#include "engine/hub.h"
#include "infer/generate.h"
#include "io/hf_config.h"
#include "model/arch_registry.h"
#include "model/loader.h"
#include "peft/peft_io.h"
#include "quant/blockwise.h"
#include "quant/bnb_format.h"
#include "tokenizer/chat/tool_calls.h"
#include "train/data/dataset.h"
#include "train/evaluate.h"
#include "train/metrics.h"
#include "train/trainable_model.h"
#include "train/train_config.h"
#include "train/trainer.h"

namespace llmcp::engine {
namespace {

// Relative paths in a config file are taken from the file's folder, so a config runs from any
// directory. Inputs that do not exist there are left as written (relative to the current
// directory, as configs written before this rule expect, or a workspace name for MCP).
void rebase_paths(nlohmann::json& j, const std::filesystem::path& config_file) {
  namespace fs = std::filesystem;
  const fs::path base = fs::absolute(config_file).parent_path();
  auto relative = [&](const char* key) {
    return j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty() &&
           fs::path(j[key].get<std::string>()).is_relative();
  };
  for (const char* key : {"model", "dataset", "eval_dataset", "chat_template"}) {
    if (!relative(key)) continue;
    const fs::path p = base / j[key].get<std::string>();
    std::error_code ec;
    if (fs::exists(p, ec)) j[key] = p.lexically_normal().string();
  }
  if (relative("output_dir")) j["output_dir"] = (base / j["output_dir"].get<std::string>()).lexically_normal().string();
}

nlohmann::json merged(const TrainRequest& req) {
  nlohmann::json j = req.config_path.empty() ? nlohmann::json::object() : train::read_config_file(req.config_path);
  LLMCP_CHECK(j.is_object(), kInvalidArgument, "the config file ", req.config_path, " must hold a mapping of keys to values");
  if (!req.config_path.empty()) rebase_paths(j, req.config_path);
  LLMCP_CHECK(req.config.is_object(), kInvalidArgument, "an inline config must be a JSON object");
  for (auto it = req.config.begin(); it != req.config.end(); ++it) j[it.key()] = it.value();
  for (const auto& o : req.overrides) train::apply_override(j, o);
  return j;
}

// The one validation of a run's config: keys, types, ranges (train_config_from_json), then what
// needs the model's config.json (read, not loaded).
train::TrainConfig config_of(const TrainRequest& req, bool dry_run) {
  auto c = train::train_config_from_json(merged(req));
  // A Hub id: its snapshot in the cache (downloaded first with --download). A dry run downloads
  // nothing and leaves an id the cache lacks as written.
  if (is_hub_reference(c.model)) {
    if (req.download && !dry_run) {
      c.model = resolve_model(c.model, ModelFetch::kDownload, req.on_download);
    } else {
      try {
        c.model = resolve_model(c.model);
      } catch (const core::Error& e) {
        if (!dry_run || e.code() != core::ErrorCode::kNotFound) throw;
      }
    }
  }
  // As PEFT writes it: the adapter names the Hub id of a base that came from the Hub.
  if (auto id = hub_id_of_folder(c.model)) c.lora.base_model_name_or_path = *id;
  if (std::filesystem::exists(std::filesystem::path(c.model) / "config.json")) {
    const auto context = model::load_decoder_config(c.model).max_position;
    LLMCP_CHECK(context <= 0 || c.seq_len <= context, kInvalidArgument, "seq_len ", c.seq_len, " is longer than ",
                c.model, "'s context of ", context, " tokens (max_position_embeddings); set seq_len to at most ",
                context);
  }
  return c;
}

bool calls_equal(const nlohmann::ordered_json& expected, const std::vector<tokenizer::chat::ToolCall>& got) {
  if (expected.size() != got.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    // Compared as JSON values: key order does not matter, 1 and 1.0 are equal.
    if (expected[i]["name"] != got[i].name) return false;
    if (nlohmann::json::parse(expected[i]["arguments"].dump()) != nlohmann::json::parse(got[i].arguments.dump()))
      return false;
  }
  return true;
}

}  // namespace

nlohmann::json resolve_train_config(const TrainRequest& req) { return config_of(req, true).to_json(); }

nlohmann::json merged_train_config(const TrainRequest& req) { return merged(req); }

std::vector<std::string> training_methods() { return train::training_methods(); }

std::vector<ConfigKeyInfo> train_config_keys() {
  std::vector<ConfigKeyInfo> out;
  for (const auto& k : train::train_config_keys()) {
    ConfigKeyInfo i;
    i.name = k.name;
    i.type = k.type;
    i.help = k.help;
    i.methods = train::key_methods(k);
    i.alias_of = k.alias_of ? k.alias_of : "";
    if (std::isfinite(k.min)) i.min = k.min;
    if (std::isfinite(k.max)) i.max = k.max;
    i.min_exclusive = k.min_open;
    i.max_exclusive = k.max_open;
    i.choices = k.choices;
    out.push_back(std::move(i));
  }
  return out;
}

nlohmann::json parse_train_config_text(const std::string& text, const std::string& source) {
  auto j = train::yaml_to_json(text, source);
  LLMCP_CHECK(j.is_object(), kInvalidArgument, source, " must be a mapping of config keys to values");
  return j;
}

nlohmann::json train(const TrainRequest& req) {
  auto c = config_of(req, false);
  train::TrainOptions opts;
  opts.resume = req.resume;
  opts.on_metrics = req.on_metrics;
  opts.stop = req.stop;
  for (const auto& w : req.write_roots) opts.write_roots.emplace_back(w);
  opts.dist_timeout = std::chrono::seconds(req.dist_timeout_seconds);
  auto r = train::run_training(c, opts);
  nlohmann::json j;
  j["steps"] = r.steps;
  j["train_loss"] = r.train_loss;
  j["eval_loss"] = r.eval_loss ? nlohmann::json(*r.eval_loss) : nlohmann::json();
  j["stop_reason"] = r.stop_reason;
  j["output_dir"] = r.output_dir;
  j["last_checkpoint"] = r.last_checkpoint;
  if (req.resume) j["changed_keys"] = r.changed_keys;
  j["data"] = r.data;
  j["memory"] = {{"rss_before_model_bytes", r.rss_before_model_bytes}, {"peak_rss_bytes", r.peak_rss_bytes}};
  return j;
}

nlohmann::json merge_adapter(const MergeRequest& req) {
  LLMCP_CHECK(!req.model_dir.empty() && !req.adapter_dir.empty() && !req.out_dir.empty(), kInvalidArgument,
              "merge needs --model, --adapter and --out");
  core::check_not_input(req.out_dir, {req.model_dir, req.adapter_dir}, "--out");
  core::StagedDir out(req.out_dir, req.overwrite ? core::Overwrite::kReplace : core::Overwrite::kRefuse);
  auto decoder = model::load_decoder(req.model_dir, {"float32", "cpu", {}, {}});
  const bool quantized = !decoder->quantized_weights().empty();
  if (quantized && req.dense) {  // the base becomes dense first, so the merge does not round
    for (auto* l : decoder->linears())
      if (l->quantized()) {
        l->weight = l->qweight->dequantize(at::kFloat);
        l->qweight.reset();
      }
  }
  peft::PeftModel peft(*decoder);
  auto cfg = peft::load_adapter(peft, req.adapter_dir, "default");
  peft.merge("default");
  const auto base_dtype = io::HfConfig::load(req.model_dir).get_string("torch_dtype", "float32");
  const auto dtype = model::parse_dtype(req.dtype == "auto" ? base_dtype : req.dtype);
  train::save_model_folder(*decoder, req.model_dir, out.path(), dtype, /*keep_quantized=*/!req.dense);
  out.commit();
  nlohmann::json j;
  j["path"] = req.out_dir;
  j["modules_merged"] = peft.adapter("default").module_order.size();
  j["dtype"] = model::dtype_to_string(dtype);
  j["use_dora"] = cfg.use_dora;
  j["quantized"] = quantized && !req.dense;
  return j;
}

nlohmann::json quantize_model(const QuantizeRequest& req) {
  LLMCP_CHECK(!req.model_dir.empty() && !req.out_dir.empty(), kInvalidArgument, "quantize needs --model and --out");
  LLMCP_CHECK(req.type == "nf4" || req.type == "fp4" || req.type == "int8", kInvalidArgument, "quantization type '",
              req.type, "' is unknown; choose nf4, fp4 or int8");
  model::LoadOptions load{"auto", "cpu", {}, {}};
  if (req.type == "int8") {
    load.quant.load_in_8bit = true;
  } else {
    load.quant.load_in_4bit = true;
    load.quant.quant_type = quant::parse_quant_type(req.type);
  }
  quant::check_blocksize(req.blocksize);
  load.quant.blocksize = req.blocksize;
  load.quant.double_quant = req.double_quant;
  load.quant.compute_dtype = quant::parse_compute_dtype(req.compute_dtype);
  core::check_not_input(req.out_dir, {req.model_dir}, "--out");
  core::StagedDir out(req.out_dir, req.overwrite ? core::Overwrite::kReplace : core::Overwrite::kRefuse);
  const auto t0 = std::chrono::steady_clock::now();
  auto decoder = model::load_decoder(req.model_dir, load);
  const auto q = decoder->quantized_weights();
  LLMCP_CHECK(!q.empty(), kInvalidArgument, req.model_dir, " has no linear weights to quantize");
  int64_t dense = 0, packed = 0;
  for (const auto& [m, w] : q) {
    dense += w->out * w->in * static_cast<int64_t>(c10::elementSize(w->source_dtype));
    packed += w->nbytes();
  }
  train::save_model_folder(*decoder, req.model_dir, out.path(), decoder->dtype(), /*keep_quantized=*/true);
  out.commit();
  nlohmann::json j;
  j["path"] = req.out_dir;
  j["type"] = req.type;
  j["modules_quantized"] = q.size();
  j["dense_bytes"] = dense;
  j["quantized_bytes"] = packed;
  j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  j["peak_rss_bytes"] = train::peak_rss_bytes();
  return j;
}

nlohmann::json evaluate(const EvalRequest& req) {
  LLMCP_CHECK(req.batch_size >= 1, kInvalidArgument, "batch_size must be at least 1, got ", req.batch_size);
  LLMCP_CHECK(req.seq_len >= 2, kInvalidArgument, "seq_len must be at least 2, got ", req.seq_len);
  LLMCP_CHECK(req.max_new_tokens >= 0, kInvalidArgument, "max_new_tokens must be at least 0, got ", req.max_new_tokens);
  data::DataOptions dopt;
  dopt.max_seq_len = req.seq_len;
  dopt.template_name = req.chat_template;
  auto ctx = data::DataContext::from_model_dir(req.model_dir, dopt);
  auto ds = ctx.load(req.data_path);
  auto decoder = model::load_decoder(req.model_dir, {"float32", req.device, {}, {}});
  std::unique_ptr<peft::PeftModel> peft;
  if (!req.adapter_dir.empty()) {
    peft = std::make_unique<peft::PeftModel>(*decoder);
    peft::load_adapter(*peft, req.adapter_dir, "default");
  }
  const auto& sp = ctx.tokenizer().special();
  const int32_t pad = sp.pad.value_or(sp.eos.value_or(0));
  std::vector<train::Row> rows;
  for (const auto& e : ds.examples) rows.push_back({e.ids, e.mask, {}});
  auto r = train::evaluate(*decoder, rows, req.batch_size, pad);
  nlohmann::json j;
  j["loss"] = r.loss;
  j["perplexity"] = r.perplexity;
  j["tokens"] = r.tokens;
  j["examples"] = ds.used;
  j["skipped_lines"] = ds.skipped;
  if (!req.tool_calls || (ds.format != data::DataFormat::kToolCalls && ds.format != data::DataFormat::kChat)) return j;

  // Tool-call exact match: greedy generation for every record whose answer is a tool call.
  const auto style_name = ctx.tool_call_style();
  LLMCP_CHECK(!style_name.empty(), kUnsupported,
              "cannot tell how this chat template writes tool calls, so tool-call accuracy cannot be measured");
  tokenizer::chat::ToolCallStyle style = tokenizer::chat::ToolCallStyle::kHermes;
  for (auto s : {tokenizer::chat::ToolCallStyle::kLlama3Json, tokenizer::chat::ToolCallStyle::kMistral,
                 tokenizer::chat::ToolCallStyle::kHermes})
    if (tokenizer::chat::style_name(s) == style_name) style = s;
  auto defaults = io::load_generation_defaults(req.model_dir);
  infer::GenerateOptions gen;
  gen.max_new_tokens = req.max_new_tokens;
  gen.eos_ids = defaults.eos_token_ids.empty() ? decoder->config().eos_token_ids : defaults.eos_token_ids;
  if (sp.eos) gen.eos_ids.push_back(*sp.eos);
  std::ifstream in(req.data_path);
  int64_t cases = 0, matches = 0, index = 0;
  for (std::string line; std::getline(in, line); ++index) {
    LLMCP_CHECK(!(req.stop && req.stop->load()), kInvalidArgument, "evaluation cancelled");
    auto rec = nlohmann::ordered_json::parse(line, nullptr, false);
    if (rec.is_discarded() || !rec.is_object()) continue;
    auto f = data::DataContext::detect(rec);
    if (!f || *f != ds.format) continue;
    std::optional<data::DataContext::ToolCallCase> tc;
    try {
      tc = ctx.tool_call_case(rec, *f);
    } catch (const core::Error&) {
      continue;  // already reported as a skipped line
    }
    if (!tc) continue;
    std::vector<int64_t> prompt(tc->prompt.begin(), tc->prompt.end());
    auto out = infer::generate(*decoder, ctx.tokenizer(), prompt, gen);
    auto parsed = tokenizer::chat::parse_tool_calls(out.text, style);
    const bool match = calls_equal(tc->expected, parsed.calls);
    ++cases;
    matches += match;
    if (req.on_case) {
      nlohmann::ordered_json calls = nlohmann::ordered_json::array();
      for (const auto& c : parsed.calls) calls.push_back({{"name", c.name}, {"arguments", c.arguments}});
      req.on_case({{"index", index}, {"input", rec.value("input", "")}, {"expected", tc->expected},
                   {"generated", out.text}, {"calls", calls}, {"match", match}});
    }
  }
  j["tool_calls"] = {{"cases", cases},
                     {"exact_match", matches},
                     {"accuracy", cases ? static_cast<double>(matches) / static_cast<double>(cases) : 0.0},
                     {"style", style_name}};
  return j;
}

}  // namespace llmcp::engine
