// Workspace path confinement; see workspace.h.
#include "core/workspace.h"

#include <cstdlib>

#include "core/error.h"

namespace llmcp::core {
namespace fs = std::filesystem;
namespace {

fs::path canonical_root(const fs::path& p) {
  std::error_code ec;
  auto c = fs::canonical(p, ec);
  LLMCP_CHECK(!ec, kNotFound, "workspace root ", p.string(), " does not exist (", ec.message(), ")");
  return c;
}

bool within(const fs::path& p, const fs::path& root) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q)
    if (q == p.end() || *q != *r) return false;
  return true;
}

bool plain_name(const std::string& ref) {
  return !ref.empty() && ref.find('/') == std::string::npos && ref != "." && ref != "..";
}

}  // namespace

Workspace::Workspace(fs::path home, std::vector<fs::path> allowed_roots, std::vector<fs::path> read_only_roots) {
  std::error_code ec;
  fs::create_directories(home, ec);
  LLMCP_CHECK(!ec, kIo, "cannot create the workspace ", home.string(), ": ", ec.message(),
              "; pass --home DIR (or set LLMCP_HOME) to a writable folder");
  home_ = canonical_root(home);
  for (const char* sub : {"models", "adapters", "datasets", "jobs"}) {
    fs::create_directories(home_ / sub, ec);
    LLMCP_CHECK(!ec, kIo, "cannot create ", (home_ / sub).string(), ": ", ec.message());
  }
  for (const auto& r : allowed_roots) allowed_.push_back(canonical_root(r));
  for (const auto& r : read_only_roots)
    if (fs::exists(r)) read_only_.push_back(canonical_root(r));
}

fs::path Workspace::default_home() {
  if (const char* h = std::getenv("LLMCP_HOME"); h && *h) return h;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return fs::path(x) / "llm-mcp";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".local/share/llm-mcp";
  return fs::current_path() / "llm-mcp-home";
}

bool Workspace::inside(const fs::path& p, Access access) const {
  if (within(p, home_)) return true;
  for (const auto& r : allowed_)
    if (within(p, r)) return true;
  if (access == Access::kRead)
    for (const auto& r : read_only_)
      if (within(p, r)) return true;
  return false;
}

std::string Workspace::roots_text(Access access) const {
  std::string s = home_.string();
  for (const auto& r : allowed_) s += ", " + r.string();
  if (access == Access::kRead)
    for (const auto& r : read_only_) s += ", " + r.string() + " (read-only)";
  return s;
}

fs::path Workspace::resolve(const std::string& path, Access access) const {
  LLMCP_CHECK(!path.empty(), kInvalidArgument, "an empty path was given");
  LLMCP_CHECK(path.find('\0') == std::string::npos, kInvalidArgument, "the path contains a NUL byte");
  fs::path p(path);
  if (p.is_relative()) p = home_ / p;
  std::error_code ec;
  // Follows every symlink of the part that exists; the rest is normalised (".." removed).
  fs::path resolved = fs::weakly_canonical(p, ec);
  LLMCP_CHECK(!ec, kInvalidArgument, "cannot resolve the path ", path, ": ", ec.message());
  LLMCP_CHECK(inside(resolved, access), kInvalidArgument, "the path ", path, " resolves to ", resolved.string(),
              ", outside the folders this server may ", access == Access::kWrite ? "write" : "read", ": ",
              roots_text(access), ". Use a path inside them, or start the server with --allow-path DIR");
  return resolved;
}

fs::path Workspace::find(const std::string& ref, const fs::path& dir, const std::string& builtin_subdir) const {
  if (plain_name(ref)) {
    if (fs::exists(dir / ref)) return resolve((dir / ref).string(), Access::kRead);
    for (const auto& r : read_only_) {
      auto candidate = builtin_subdir.empty() ? r / ref : r / builtin_subdir / ref;
      if (fs::exists(candidate)) return resolve(candidate.string(), Access::kRead);
    }
  }
  return resolve(ref, Access::kRead);
}

}  // namespace llmcp::core
