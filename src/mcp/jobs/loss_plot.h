// The loss curve of a training job as a PNG (get_job returns it as an image content block, for
// the person behind the assistant): training loss as a line, evaluation loss as dots, the
// step and loss ranges written on the axes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace llmcp::mcp {

// PNG bytes; an empty curve gives an empty plot with axes.
std::string plot_loss_png(const std::vector<std::pair<int64_t, double>>& loss,
                          const std::vector<std::pair<int64_t, double>>& eval_loss, int width = 480, int height = 280);

}  // namespace llmcp::mcp
