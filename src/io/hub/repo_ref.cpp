// Hub reference parsing and validation; see repo_ref.h.
#include "io/hub/repo_ref.h"

#include "core/error.h"

namespace llmcp::io::hub {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

bool valid_part(const std::string& p) {
  if (p.empty() || p.size() > 96) return false;
  for (char c : p)
    if (!name_char(c)) return false;
  const char first = p.front(), last = p.back();
  return first != '-' && first != '.' && last != '-' && last != '.';
}

}  // namespace

bool valid_repo_id(const std::string& id) {
  if (id.empty()) return false;
  if (id.find("--") != std::string::npos || id.find("..") != std::string::npos) return false;
  const auto slash = id.find('/');
  if (slash == std::string::npos) return valid_part(id);
  return valid_part(id.substr(0, slash)) && valid_part(id.substr(slash + 1));
}

bool valid_revision(const std::string& rev) {
  if (rev.empty() || rev.size() > 256 || rev.front() == '/' || rev.back() == '/') return false;
  if (rev.find("..") != std::string::npos || rev.find("//") != std::string::npos) return false;
  for (unsigned char c : rev)
    if (c < 0x20 || c == 0x7f || c == '\\' || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' ||
        c == '[')
      return false;  // git's own rules for ref names (git check-ref-format) forbid these too
  return true;
}

bool is_commit_hash(const std::string& rev) {
  return rev.size() == 40 && rev.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<RepoRef> parse_repo_ref(const std::string& text) {
  RepoRef r;
  const auto at = text.find('@');
  r.repo_id = text.substr(0, at);
  if (at != std::string::npos) {
    r.revision = text.substr(at + 1);
    r.revision_given = true;
    if (!valid_revision(r.revision)) return std::nullopt;
  }
  if (r.repo_id.find('/') == std::string::npos || !valid_repo_id(r.repo_id)) return std::nullopt;
  return r;
}

RepoRef parse_repo_ref_or_throw(const std::string& text, bool owner_optional) {
  RepoRef r;
  const auto at = text.find('@');
  r.repo_id = text.substr(0, at);
  LLMCP_CHECK(valid_repo_id(r.repo_id) && (owner_optional || r.repo_id.find('/') != std::string::npos),
              kInvalidArgument, "'", text,
              "' is not a Hugging Face Hub model id: write ORG/NAME (letters, digits, '-', '_', '.'; at most 96 "
              "characters each), optionally followed by @REVISION, e.g. meta-llama/Llama-2-7b-hf@main");
  if (at != std::string::npos) {
    r.revision = text.substr(at + 1);
    r.revision_given = true;
    LLMCP_CHECK(valid_revision(r.revision), kInvalidArgument, "'", r.revision,
                "' is not a valid revision: give a branch, a tag or a 40-character commit hash");
  }
  return r;
}

std::string repo_folder_name(const std::string& repo_id) {
  std::string out = "models--";
  for (char c : repo_id) {
    if (c == '/')
      out += "--";
    else
      out += c;
  }
  return out;
}

std::optional<std::string> repo_id_of_folder_name(const std::string& folder) {
  if (folder.rfind("models--", 0) != 0) return std::nullopt;
  std::string id = folder.substr(8);
  if (const auto sep = id.find("--"); sep != std::string::npos) id = id.substr(0, sep) + '/' + id.substr(sep + 2);
  if (!valid_repo_id(id)) return std::nullopt;
  return id;
}

}  // namespace llmcp::io::hub
