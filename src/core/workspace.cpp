// Workspace path confinement; see workspace.h.
#include "core/workspace.h"

#include <algorithm>
#include <cctype>
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

bool plain_name(const std::string& ref) {
  return !ref.empty() && ref.find('/') == std::string::npos && ref != "." && ref != "..";
}

}  // namespace

bool path_within(const fs::path& p, const fs::path& root) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q)
    if (q == p.end() || *q != *r) return false;
  return true;
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-')) return false;
  return true;
}

void check_name(const std::string& name, const std::string& what) {
  std::string shown = name.substr(0, 64);
  for (char& ch : shown)
    if (static_cast<unsigned char>(ch) < 0x20) ch = '?';
  LLMCP_CHECK(valid_name(name), kInvalidArgument, what, " must be a plain name (letters, digits, '.', '_', '-'; not ",
              "starting with '.'; at most 128 characters), got '", shown, name.size() > 64 ? "...'" : "'");
}

fs::path resolve_links(const fs::path& path) {
  fs::path p = path.is_absolute() ? path : fs::absolute(path);
  std::vector<fs::path> todo(p.begin(), p.end());  // components left to walk, in reverse order below
  std::reverse(todo.begin(), todo.end());
  fs::path cur = "/";
  int hops = 0;
  while (!todo.empty()) {
    fs::path part = todo.back();
    todo.pop_back();
    if (part.empty() || part == "/" || part == ".") continue;
    if (part == "..") {
      cur = cur.parent_path();
      continue;
    }
    fs::path next = cur / part;
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(next, ec))) {
      cur = next;
      continue;
    }
    LLMCP_CHECK(++hops <= 40, kInvalidArgument, "too many levels of symbolic links in ", path.string());
    fs::path target = fs::read_symlink(next, ec);
    LLMCP_CHECK(!ec, kInvalidArgument, "cannot read the symbolic link ", next.string(), ": ", ec.message());
    if (target.is_absolute()) cur = "/";
    std::vector<fs::path> parts(target.begin(), target.end());
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
  }
  return cur;
}

bool inside_any(const fs::path& p, const std::vector<fs::path>& roots) {
  const fs::path r = resolve_links(p);
  for (const auto& root : roots)
    if (path_within(r, resolve_links(root))) return true;
  return false;
}

void check_inside(const fs::path& p, const std::vector<fs::path>& roots) {
  if (inside_any(p, roots)) return;
  std::string list;
  for (const auto& r : roots) list += (list.empty() ? "" : ", ") + r.string();
  LLMCP_FAIL(kInvalidArgument, p.string(), " resolves to ", resolve_links(p).string(),
             ", outside the folders this run may write (", list, "); a symbolic link there points elsewhere");
}

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
  if (path_within(p, home_)) return true;
  for (const auto& r : allowed_)
    if (path_within(p, r)) return true;
  if (access == Access::kRead)
    for (const auto& r : read_only_)
      if (path_within(p, r)) return true;
  return false;
}

std::string Workspace::roots_text(Access access) const {
  std::string s = home_.string();
  for (const auto& r : allowed_) s += ", " + r.string();
  if (access == Access::kRead)
    for (const auto& r : read_only_) s += ", " + r.string() + " (read-only)";
  return s;
}

std::vector<fs::path> Workspace::write_roots() const {
  std::vector<fs::path> roots{home_};
  roots.insert(roots.end(), allowed_.begin(), allowed_.end());
  return roots;
}

fs::path Workspace::output_path(const std::string& name, const fs::path& dir, const std::string& what) const {
  check_name(name, what);
  const fs::path out = resolve((dir / name).string(), Access::kWrite);
  std::error_code ec;
  LLMCP_CHECK(!fs::exists(out, ec) || (fs::is_directory(out, ec) && fs::is_empty(out, ec)), kInvalidArgument,
              out.string(), " already exists; choose another ", what);
  return out;
}

fs::path Workspace::resolve(const std::string& path, Access access) const {
  LLMCP_CHECK(!path.empty(), kInvalidArgument, "an empty path was given");
  LLMCP_CHECK(path.find('\0') == std::string::npos, kInvalidArgument, "the path contains a NUL byte");
  fs::path p(path);
  if (p.is_relative()) p = home_ / p;
  // Follows every symlink, dangling ones too (a write would follow them); ".." removed.
  fs::path resolved = resolve_links(p);
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
