// A Hugging Face Hub model reference as users write it: `ORG/NAME` or `ORG/NAME@REVISION` (a
// branch, a tag or a commit hash). Validated with huggingface_hub's rules for repo ids, so an id
// this program accepts is one the Hub and the Python tools accept, and one that cannot name a
// path outside the cache (no "..", no "--", no slashes beyond the one).
#pragma once

#include <optional>
#include <string>

namespace llmcp::io::hub {

struct RepoRef {
  std::string repo_id;             // "meta-llama/Llama-2-7b-hf" (or "gpt2": a repo without an owner)
  std::string revision = "main";   // branch, tag or 40-hex commit
  bool revision_given = false;     // whether "@REV" was written
};

// Whether `id` is a valid repo id: one or two names of letters, digits, '-', '_', '.', joined by
// '/', each of 1 to 96 characters not starting or ending with '-' or '.', no "--" or "..".
bool valid_repo_id(const std::string& id);
// Whether `rev` is safe as a revision (it becomes refs/<rev>): non-empty, no "..", no NUL, no
// leading '/', at most 256 characters. Branch names may hold '/', as on the Hub.
bool valid_revision(const std::string& rev);
// A 40-hex-digit commit hash.
bool is_commit_hash(const std::string& rev);

// `text` as a Hub reference when it is shaped like one ("ORG/NAME" or "ORG/NAME@REV", an owner is
// required so a plain folder name is never taken for a repo); std::nullopt otherwise.
std::optional<RepoRef> parse_repo_ref(const std::string& text);
// The same, throwing kInvalidArgument with what a valid id looks like (for `llm-mcp download`,
// where a bare "gpt2" is accepted too).
RepoRef parse_repo_ref_or_throw(const std::string& text, bool owner_optional);

// "models--ORG--NAME": the repo's folder in the cache.
std::string repo_folder_name(const std::string& repo_id);
// The reverse: "ORG/NAME" from "models--ORG--NAME", std::nullopt for anything else.
std::optional<std::string> repo_id_of_folder_name(const std::string& folder);

}  // namespace llmcp::io::hub
