// Learning-rate schedules as Hugging Face's get_*_schedule_with_warmup define them: linear warmup
// from 0, then constant, linear decay to 0, or half-cosine decay to 0.
#pragma once

#include <cstdint>
#include <string>

namespace llmcp::train {

// The multiplier of the peak rate for optimizer step `step` (0-based: the first update uses
// step 0, so with warmup it is 0, as in HF), `total` steps, `warmup` warmup steps.
double lr_multiplier(const std::string& schedule, int64_t step, int64_t total, int64_t warmup);

}  // namespace llmcp::train
