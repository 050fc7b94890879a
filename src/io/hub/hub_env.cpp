// The Hub's environment variables; see hub_env.h.
#include "io/hub/hub_env.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include "core/error.h"

namespace llmcp::io::hub {
namespace fs = std::filesystem;
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

fs::path expand_user(const std::string& p) {
  if (p.rfind("~/", 0) == 0 || p == "~") return fs::path(env("HOME")) / p.substr(std::min<size_t>(2, p.size()));
  return p;
}

long seconds(const char* name, long fallback) {
  const std::string v = env(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  const double s = std::strtod(v.c_str(), &end);
  LLMCP_CHECK(end && *end == '\0' && s > 0 && s < 86400, kInvalidArgument, name, "=", v,
              " is not a number of seconds (give e.g. 10)");
  return std::max(1L, static_cast<long>(s));
}

std::string first_line_trimmed(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  size_t i = 0;
  while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  return line.substr(i);
}

}  // namespace

bool env_true(const char* name) {
  std::string v = env(name);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

HubEnv HubEnv::from_environment() {
  HubEnv e;
  if (auto ep = env("HF_ENDPOINT"); !ep.empty()) {
    while (!ep.empty() && ep.back() == '/') ep.pop_back();
    LLMCP_CHECK(ep.rfind("http://", 0) == 0 || ep.rfind("https://", 0) == 0, kInvalidArgument, "HF_ENDPOINT=", ep,
                " is not an http(s) URL (e.g. https://huggingface.co)");
    e.endpoint = ep;
  }
  if (auto h = env("HF_HOME"); !h.empty()) {
    e.home = expand_user(h);
  } else {
    const auto xdg = env("XDG_CACHE_HOME");
    e.home = (xdg.empty() ? expand_user("~/.cache") : fs::path(xdg)) / "huggingface";
  }
  if (auto c = env("HF_HUB_CACHE"); !c.empty())
    e.cache = expand_user(c);
  else if (auto legacy = env("HUGGINGFACE_HUB_CACHE"); !legacy.empty())
    e.cache = expand_user(legacy);
  else
    e.cache = e.home / "hub";
  if (auto t = env("HF_TOKEN"); !t.empty()) {
    e.token = t;
    e.token_source = "HF_TOKEN";
  } else if (auto legacy = env("HUGGING_FACE_HUB_TOKEN"); !legacy.empty()) {
    e.token = legacy;
    e.token_source = "HUGGING_FACE_HUB_TOKEN";
  } else {
    const fs::path file = env("HF_TOKEN_PATH").empty() ? e.home / "token" : expand_user(env("HF_TOKEN_PATH"));
    std::error_code ec;
    if (fs::is_regular_file(file, ec)) {
      e.token = first_line_trimmed(file);
      if (!e.token.empty()) e.token_source = file.string();
    }
  }
  e.offline = env_true("HF_HUB_OFFLINE");
  e.download_timeout_s = seconds("HF_HUB_DOWNLOAD_TIMEOUT", 10);
  e.metadata_timeout_s = seconds("HF_HUB_ETAG_TIMEOUT", 10);
  return e;
}

}  // namespace llmcp::io::hub
