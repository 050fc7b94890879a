// The serving engines' state in Prometheus' text format (GET /metrics): one series per model, and
// per adapter where it says so. Names follow Prometheus' conventions (llmcp_ prefix, _total
// counters).
#pragma once

#include <string>
#include <vector>

#include "engine/serving.h"

namespace llmcp::api {

std::string prometheus_text(const std::vector<engine::EngineMetrics>& all);

}  // namespace llmcp::api
