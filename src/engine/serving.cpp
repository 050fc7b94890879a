// Serving: a cache of loaded models with their adapters; see serving.h.
#include "engine/serving.h"
#include "engine/generation.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "core/error.h"
#include "infer/generate.h"
#include "model/loader.h"
#include "peft/method.h"
#include "peft/peft_io.h"
#include "peft/peft_model.h"
#include "train/data/dataset.h"
#include "quant/quantized_weight.h"
#include "serve/adapter_pool.h"
#include "serve/batch_engine.h"
#include "serve/text_generation.h"
#include "tokenizer/chat/chat_template.h"
#include "tokenizer/chat/template_source.h"
#include "tokenizer/chat/tool_call_grammar.h"
#include "tokenizer/chat/tool_calls.h"
#include "tokenizer/chat/training_view.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::engine {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct LoadedModel {
  std::string path;
  std::unique_ptr<model::Decoder> decoder;
  std::unique_ptr<tokenizer::Tokenizer> tok;
  std::unique_ptr<peft::PeftModel> peft;
  std::unique_ptr<serve::BatchEngine> engine;  // stopped before what it uses goes
  std::unique_ptr<serve::AdapterPool> pool;    // the adapters loaded into `peft`, served by `engine`
  int64_t bytes = 0;  // the base model's weights (the pool's adapters come on top)
  Clock::time_point last_used = Clock::now();
  std::once_flag texts_once;  // token_texts, built at the first constrained request
  std::shared_ptr<const std::vector<std::string>> token_texts;

  int64_t total_bytes() const { return bytes + pool->loaded_bytes(); }
};

struct RegisteredAdapter {
  std::string model_path, adapter_path;
  nlohmann::json info;
};

int64_t model_bytes(model::Decoder& d) {
  int64_t n = 0;
  for (auto& t : d.tensors()) n += static_cast<int64_t>(t.tensor->nbytes());
  for (auto& [name, q] : d.quantized_weights()) n += q->nbytes();
  return n;
}

// What a call stopped while it waited for room in the adapter pool answers.
GenerateResponse cancelled_before_start() {
  GenerateResponse r;
  r.finish_reason = "cancelled";
  return r;
}

std::string canonical(const std::string& p) {
  std::error_code ec;
  auto c = fs::canonical(p, ec);
  LLMCP_CHECK(!ec, kNotFound, "folder '", p, "' does not exist");
  return c.string();
}

}  // namespace

struct Serving::Impl {
  ServingOptions opt;
  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<LoadedModel>> models;  // by canonical path
  std::map<std::string, RegisteredAdapter> adapters;            // by name

  // Evicts idle models, least recently used first, until `incoming` more bytes fit. mu held.
  void make_room(int64_t incoming) {
    int64_t total = incoming;
    for (auto& [p, m] : models) total += m->total_bytes();
    while (total > opt.memory_budget_bytes) {
      std::shared_ptr<LoadedModel> victim;
      for (auto& [p, m] : models)
        if (m.use_count() == 1 && (!victim || m->last_used < victim->last_used)) victim = m;
      if (!victim) return;  // everything is in use: go over budget rather than fail a call
      total -= victim->total_bytes();
      models.erase(victim->path);
    }
  }

  // The loaded model (loading it when needed; prepare() loads adapters into its pool).
  std::shared_ptr<LoadedModel> model(const std::string& dir) {
    const std::string path = canonical(dir);
    {
      std::lock_guard lock(mu);
      auto it = models.find(path);
      if (it != models.end()) {
        it->second->last_used = Clock::now();
        return it->second;
      }
    }
    auto m = std::make_shared<LoadedModel>();
    m->path = path;
    m->tok = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::from_dir(path));
    m->decoder = model::load_decoder(path, {opt.dtype, opt.device, {}, {}});
    m->peft = std::make_unique<peft::PeftModel>(*m->decoder);
    m->bytes = model_bytes(*m->decoder);
    m->engine = std::make_unique<serve::BatchEngine>(
        *m->decoder, *m->peft,
        serve::EngineOptions{opt.kv_cache_bytes, opt.block_size, opt.max_batch_tokens, opt.max_running});
    m->pool = std::make_unique<serve::AdapterPool>(*m->engine, opt.max_loaded_adapters);
    std::lock_guard lock(mu);
    auto it = models.find(path);
    if (it != models.end()) return it->second;  // another call loaded it meanwhile
    make_room(m->bytes);
    models[path] = m;
    return m;
  }

  // One generation through the model's batch engine.
  GenerateResponse run(LoadedModel& m, const GenerateRequest& req, const std::string& adapter,
                       const std::atomic<bool>* stop, const std::function<bool(const std::string&)>& on_text,
                       bool prompt_has_special_tokens, std::optional<infer::TokenConstraint> constraint = {}) {
    const auto& config = m.decoder->config();
    auto p = prepare_generation(config, *m.tok, req, stop, on_text, prompt_has_special_tokens);
    p.options.constraint = std::move(constraint);
    return generation_response(serve::generate_batched(*m.engine, config, *m.tok, p.ids, p.options, adapter, stop),
                               *m.tok);
  }

  static std::shared_ptr<const std::vector<std::string>> token_texts(LoadedModel& m) {
    std::call_once(m.texts_once, [&] {
      m.token_texts = std::make_shared<const std::vector<std::string>>(tokenizer::token_texts(*m.tok));
    });
    return m.token_texts;
  }

  // Model and adapter for a call, the adapter loaded into the model's pool while the lease lasts
  // (none when `stop` was set while waiting for room in the pool).
  struct Prepared {
    std::shared_ptr<LoadedModel> model;
    std::optional<serve::AdapterPool::Lease> lease;
    bool stopped = false;
  };
  Prepared prepare(const std::string& model_dir, const std::string& adapter, const std::atomic<bool>* stop) {
    std::string dir = model_dir, adapter_path;
    if (!adapter.empty()) {
      std::lock_guard lock(mu);
      auto it = adapters.find(adapter);
      LLMCP_CHECK(it != adapters.end(), kNotFound, "no adapter named '", adapter,
                  "' is loaded; load it first (load_adapter) or leave the adapter out for the base model");
      LLMCP_CHECK(dir.empty() || canonical(dir) == it->second.model_path, kInvalidArgument, "adapter '", adapter,
                  "' belongs to ", it->second.model_path, ", not ", dir);
      dir = it->second.model_path;
      adapter_path = it->second.adapter_path;
    }
    LLMCP_CHECK(!dir.empty(), kInvalidArgument, "name a model (or an adapter, which implies its base model)");
    Prepared p{model(dir), {}, false};
    if (!adapter.empty()) {
      p.lease = p.model->pool->acquire(adapter, adapter_path, stop);
      p.stopped = !p.lease;
    }
    p.model->last_used = Clock::now();
    return p;
  }
};

Serving::Serving(ServingOptions options) : impl_(std::make_unique<Impl>()) { impl_->opt = std::move(options); }

const std::string& Serving::device() const { return impl_->opt.device; }
Serving::~Serving() = default;

nlohmann::json Serving::load_adapter(const std::string& model_dir, const std::string& adapter_dir,
                                     const std::string& name) {
  LLMCP_CHECK(!name.empty(), kInvalidArgument, "an adapter needs a name");
  const std::string adapter_path = canonical(adapter_dir);
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->adapters.find(name);
    LLMCP_CHECK(it == impl_->adapters.end() || it->second.adapter_path == adapter_path, kInvalidArgument,
                "the adapter name '", name, "' is taken by ", it->second.adapter_path,
                "; unload it first or choose another name");
  }
  auto m = impl_->model(model_dir);
  // Loaded now (again when it was: the folder may hold a newer checkpoint), so a bad folder is
  // an error here; it stays loaded at least while `lease` lasts.
  const auto lease = m->pool->load(name, adapter_path);
  const auto& a = m->peft->adapter(name);
  int64_t params = 0;
  for (auto& p : m->peft->parameters(name)) params += p.tensor->numel();
  nlohmann::json info{{"name", name},
                      {"path", adapter_path},
                      {"base_model", m->path},
                      {"peft_type", peft::peft_method(a.config.method).peft_type()},
                      {"method", a.config.method},
                      {"r", peft::peft_method(a.config.method).uses_rank() ? nlohmann::json(a.config.r) : nlohmann::json()},
                      {"use_dora", a.config.use_dora},
                      {"target_modules", a.module_order.size()},
                      {"parameters", params}};
  std::lock_guard lock(impl_->mu);
  impl_->adapters[name] = {m->path, adapter_path, info};
  return info;
}

void Serving::unload_adapter(const std::string& name) {
  std::shared_ptr<LoadedModel> m;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->adapters.find(name);
    LLMCP_CHECK(it != impl_->adapters.end(), kNotFound, "no adapter named '", name, "' is loaded");
    auto mit = impl_->models.find(it->second.model_path);
    if (mit != impl_->models.end()) m = mit->second;
    impl_->adapters.erase(it);
  }
  if (m) m->pool->remove(name);
}

nlohmann::json Serving::adapters() const {
  std::lock_guard lock(impl_->mu);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, a] : impl_->adapters) {
    auto j = a.info;
    auto mit = impl_->models.find(a.model_path);
    j["loaded"] = mit != impl_->models.end() && mit->second->pool->is_loaded(name);
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json Serving::models() const {
  std::lock_guard lock(impl_->mu);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [path, m] : impl_->models) {
    out.push_back({{"path", path},
                   {"bytes", m->total_bytes()},
                   {"adapters", m->pool->loaded()},
                   {"max_adapters", m->pool->max_loaded()},
                   {"idle_seconds", std::chrono::duration<double>(Clock::now() - m->last_used).count()}});
  }
  return out;
}

void Serving::preload(const std::string& model_dir) { impl_->model(model_dir); }

std::vector<EngineMetrics> Serving::metrics() const {
  std::lock_guard lock(impl_->mu);
  std::vector<EngineMetrics> out;
  for (const auto& [path, m] : impl_->models) {
    const auto s = m->engine->stats();
    EngineMetrics e;
    e.model = path;
    e.running = s.running;
    e.waiting = s.waiting;
    e.kv_blocks_total = s.kv_blocks_total;
    e.kv_blocks_used = s.kv_blocks_used;
    e.block_size = s.block_size;
    e.kv_cache_bytes = s.kv_cache_bytes;
    e.prompt_tokens = s.prompt_tokens;
    e.generation_tokens = s.generation_tokens;
    e.cached_prompt_tokens = s.cached_prompt_tokens;
    e.requests_finished = s.requests_finished;
    e.requests_cancelled = s.requests_cancelled;
    e.preemptions = s.preemptions;
    e.steps = s.steps;
    e.running_by_adapter = s.running_by_adapter;
    e.finished_by_adapter = s.finished_by_adapter;
    e.adapters_loaded = static_cast<int64_t>(m->pool->loaded().size());
    e.adapters_max = m->pool->max_loaded();
    e.adapter_evictions = m->pool->evictions();
    out.push_back(std::move(e));
  }
  return out;
}

std::string Serving::adapter_model(const std::string& name) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->adapters.find(name);
  LLMCP_CHECK(it != impl_->adapters.end(), kNotFound, "no adapter named '", name, "' is loaded");
  return it->second.model_path;
}

GenerateResponse Serving::generate(const GenerateRequest& req, const std::string& adapter,
                                   const std::atomic<bool>* stop,
                                   const std::function<bool(const std::string&)>& on_text) {
  auto p = impl_->prepare(req.model_dir, adapter, stop);
  if (p.stopped) return cancelled_before_start();
  GenerateRequest r = req;
  r.model_dir = p.model->path;
  return impl_->run(*p.model, r, adapter, stop, on_text, false);
}

namespace {

// The function names of OpenAI-shaped tools ([{"type": "function", "function": {"name", ...}}]).
std::vector<std::string> tool_names(const nlohmann::ordered_json& tools) {
  std::vector<std::string> names;
  for (const auto& t : tools.is_array() ? tools : nlohmann::ordered_json::array()) {
    const auto* f = t.is_object() && t.contains("function") ? &t["function"] : &t;
    LLMCP_CHECK(f->is_object() && f->contains("name") && (*f)["name"].is_string() &&
                    (!t.is_object() || !t.contains("type") || t["type"] == "function"),
                kInvalidArgument, "each tool must be {\"type\": \"function\", \"function\": {\"name\": ...}}, got ",
                t.dump());
    names.push_back((*f)["name"]);
  }
  return names;
}

}  // namespace

ChatResponse Serving::chat(const ChatRequest& req, const std::atomic<bool>* stop) {
  using namespace tokenizer::chat;
  LLMCP_CHECK(req.messages.is_array() && !req.messages.empty(), kInvalidArgument,
              "messages must be a non-empty list of {\"role\", \"content\"}");
  LLMCP_CHECK(req.tools.is_null() || req.tools.is_array(), kInvalidArgument, "tools must be a list");
  const auto names = tool_names(req.tools);  // every tool's shape, whatever tool_choice is
  auto p = impl_->prepare(req.generation.model_dir, req.adapter, stop);
  if (p.stopped) return ChatResponse{"", "", nlohmann::ordered_json::array(), "", cancelled_before_start()};
  auto& m = p.model;
  const ChatTemplates templates = resolve_chat_templates(m->path, data::model_family_of(m->path, *m->tok), *m->tok);
  const std::string& source = select_chat_template(templates, "", !req.tools.is_null());
  const JinjaTemplate tmpl = JinjaTemplate::parse(source);
  tokenizer::chat::ChatRequest c;
  c.messages = req.messages;
  c.tools = req.tools;
  c.add_generation_prompt = true;
  GenerateRequest g = req.generation;
  g.model_dir = m->path;
  g.prompt = render_chat(tmpl, c, special_tokens_of(*m->tok));
  const auto style = detect_tool_call_style(source);
  std::optional<ForcedToolCall> forced;
  if (req.tool_choice == "required" || req.tool_choice == "function") {
    LLMCP_CHECK(style, kUnsupported, "tool_choice \"", req.tool_choice,
                "\" needs a chat template with tool-call syntax, and this model's has none");
    forced = force_tool_call(*style, names,
                             req.tool_choice == "function" ? std::optional(req.tool_name) : std::nullopt);
    g.prompt += forced->opening;  // the answer starts inside the call
  } else {
    LLMCP_CHECK(req.tool_choice == "auto" || req.tool_choice == "none", kInvalidArgument,
                "tool_choice must be auto, none, required or function, got '", req.tool_choice, "'");
  }
  std::optional<infer::TokenConstraint> constraint;
  if (forced)
    constraint = infer::TokenConstraint{Impl::token_texts(*m), std::make_shared<ToolCallGrammar>(forced->grammar)};
  ChatResponse out;
  out.generation =
      impl_->run(*m, g, req.adapter, stop, req.on_text, /*prompt_has_special_tokens=*/true, std::move(constraint));
  out.text = out.generation.text;
  out.content = out.text;
  if (style) {
    out.tool_call_style = std::string(style_name(*style));
    auto parsed = parse_tool_calls((forced ? forced->opening : "") + out.text, *style);
    out.content = parsed.content;
    for (const auto& call : parsed.calls) out.tool_calls.push_back({{"name", call.name}, {"arguments", call.arguments}});
  }
  return out;
}

}  // namespace llmcp::engine
