// The dashboard's static files, compiled into the binary (cmake/embed_assets.cmake): the page,
// its scripts and style from src/web/assets/, and the chart library vendored from npm at configure time.
#pragma once

#include <optional>
#include <string_view>

namespace llmcp::web {

struct Asset {
  std::string_view bytes;
  const char* content_type;
};

// "index.html", "app.js", "vendor/uPlot.js", ...; nothing for an unknown path.
std::optional<Asset> asset(std::string_view path);

}  // namespace llmcp::web
