// prometheus_text; see prometheus.h.
#include "api/prometheus.h"

#include <sstream>

namespace llmcp::api {

std::string prometheus_text(const std::vector<engine::EngineMetrics>& all) {
  std::ostringstream o;
  auto family = [&](const char* name, const char* type, const char* help) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  using M = engine::EngineMetrics;
  struct Series {
    const char *name, *type, *help;
    int64_t (*value)(const M&);
  };
  static const Series kSeries[] = {
      {"llmcp_requests_running", "gauge", "Requests in the running batch.", [](const M& m) { return m.running; }},
      {"llmcp_requests_waiting", "gauge", "Requests waiting for admission.", [](const M& m) { return m.waiting; }},
      {"llmcp_kv_cache_blocks_used", "gauge", "KV cache blocks held by requests.", [](const M& m) { return m.kv_blocks_used; }},
      {"llmcp_kv_cache_blocks_total", "gauge", "KV cache blocks.", [](const M& m) { return m.kv_blocks_total; }},
      {"llmcp_prompt_tokens_total", "counter", "Prompt tokens of finished requests.", [](const M& m) { return m.prompt_tokens; }},
      {"llmcp_prefix_cache_hit_tokens_total", "counter", "Prompt tokens taken from the prefix cache.",
       [](const M& m) { return m.cached_prompt_tokens; }},
      {"llmcp_generation_tokens_total", "counter", "Generated tokens (rate() gives tokens/s).",
       [](const M& m) { return m.generation_tokens; }},
      {"llmcp_requests_finished_total", "counter", "Requests finished, whatever the reason.",
       [](const M& m) { return m.requests_finished; }},
      {"llmcp_requests_cancelled_total", "counter", "Requests ended early (client gone, stop string, cancel).",
       [](const M& m) { return m.requests_cancelled; }},
      {"llmcp_preemptions_total", "counter", "Requests preempted for KV blocks (recomputed later).",
       [](const M& m) { return m.preemptions; }},
      {"llmcp_lora_adapters_loaded", "gauge", "Adapters loaded in the model's adapter pool.",
       [](const M& m) { return m.adapters_loaded; }},
      {"llmcp_lora_adapters_max", "gauge", "Adapters the pool holds at most (--max-loras; 0: no limit).",
       [](const M& m) { return m.adapters_max; }},
      {"llmcp_lora_adapter_evictions_total", "counter", "Idle adapters unloaded to make room (read again on demand).",
       [](const M& m) { return m.adapter_evictions; }},
  };
  for (const auto& series : kSeries) {
    family(series.name, series.type, series.help);
    for (const auto& m : all) o << series.name << "{model=\"" << m.model << "\"} " << series.value(m) << "\n";
  }
  family("llmcp_adapter_requests_running", "gauge", "Running requests per adapter (\"\" = the base).");
  for (const auto& m : all)
    for (const auto& [a, n] : m.running_by_adapter)
      o << "llmcp_adapter_requests_running{model=\"" << m.model << "\",adapter=\"" << a << "\"} " << n << "\n";
  family("llmcp_adapter_requests_total", "counter", "Finished requests per adapter (\"\" = the base).");
  for (const auto& m : all)
    for (const auto& [a, n] : m.finished_by_adapter)
      o << "llmcp_adapter_requests_total{model=\"" << m.model << "\",adapter=\"" << a << "\"} " << n << "\n";
  return o.str();
}

}  // namespace llmcp::api
