// The server's workspace: one folder (models/, adapters/, datasets/, jobs/) plus roots the user
// allowed explicitly (--allow-path) and read-only built-in ones (the bundled demo model and
// data). Every path a client passes goes through resolve(): relative paths are taken from the
// workspace, symlinks are followed, and the result must stay inside an allowed root, so `..`,
// symlink escapes and absolute paths elsewhere are refused with an error that names the roots.
// What the server creates (a run's adapter, a merged model, a job folder) is named by a plain
// name (check_name) and confined the same way, dangling symlinks included.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace llmcp::core {

enum class Access { kRead, kWrite };

// A name a client gives to something the server creates or registers (a run, a merged model, a
// loaded adapter): letters, digits, '.', '_' and '-', not starting with '.', at most 128
// characters. Throws kInvalidArgument naming `what` otherwise.
void check_name(const std::string& name, const std::string& what);
bool valid_name(const std::string& name);

// `p` made absolute with every symlink replaced by its target, dangling ones included (where
// std::filesystem::weakly_canonical keeps a dangling link as it is), and "." / ".." removed.
std::filesystem::path resolve_links(const std::filesystem::path& p);
// Whether `p` is `root` or lies below it, component by component (both already resolved).
bool path_within(const std::filesystem::path& p, const std::filesystem::path& root);
// Whether `p` (resolved) lies inside one of `roots` (resolved). The check a writer repeats right
// before it writes, so a symlink that appeared after validation is caught.
bool inside_any(const std::filesystem::path& p, const std::vector<std::filesystem::path>& roots);
// Throws kInvalidArgument unless resolve_links(p) lies inside one of `roots`.
void check_inside(const std::filesystem::path& p, const std::vector<std::filesystem::path>& roots);

class Workspace {
 public:
  // Creates home and its subfolders when missing. Roots must exist.
  Workspace(std::filesystem::path home, std::vector<std::filesystem::path> allowed_roots = {},
            std::vector<std::filesystem::path> read_only_roots = {});

  // $LLMCP_HOME, else $XDG_DATA_HOME/llm-mcp, else ~/.local/share/llm-mcp.
  static std::filesystem::path default_home();

  const std::filesystem::path& home() const { return home_; }
  std::filesystem::path models_dir() const { return home_ / "models"; }
  std::filesystem::path adapters_dir() const { return home_ / "adapters"; }
  std::filesystem::path datasets_dir() const { return home_ / "datasets"; }
  std::filesystem::path jobs_dir() const { return home_ / "jobs"; }
  const std::vector<std::filesystem::path>& read_only_roots() const { return read_only_; }

  // A client's path, resolved (symlinks followed) and confined; throws core::Error otherwise.
  std::filesystem::path resolve(const std::string& path, Access access) const;
  // A name or a path: a plain name is looked up in `dir` first (models/NAME, adapters/NAME,
  // datasets/NAME), then in each read-only root's `builtin_subdir`; anything else is a path.
  std::filesystem::path find(const std::string& ref, const std::filesystem::path& dir,
                             const std::string& builtin_subdir = "") const;
  bool inside(const std::filesystem::path& canonical_path, Access access) const;
  // Where the server will create `name` in `dir` (models/, adapters/, jobs/): the name checked,
  // the path confined for writing (a symlink already there must point inside), and refused when
  // something non-empty already lives there.
  std::filesystem::path output_path(const std::string& name, const std::filesystem::path& dir,
                                    const std::string& what) const;
  // The roots this server may write: home and the --allow-path ones.
  std::vector<std::filesystem::path> write_roots() const;

 private:
  std::string roots_text(Access access) const;
  std::filesystem::path home_;
  std::vector<std::filesystem::path> allowed_, read_only_;
};

}  // namespace llmcp::core
