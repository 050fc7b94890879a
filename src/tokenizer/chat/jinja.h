// A Jinja2 interpreter for Hugging Face chat templates, written to render byte for byte what
// transformers' environment renders (ImmutableSandboxedEnvironment with trim_blocks,
// lstrip_blocks and loopcontrols; tojson as json.dumps; raise_exception and strftime_now). No
// C++ library provides this. Template errors are core::Error(kInvalidArgument) naming the
// template line and column.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace llmcp::tokenizer::chat {

class JinjaTemplate {
 public:
  // Parses once; syntax errors and unknown filters/tests name their line and column.
  static JinjaTemplate parse(std::string_view source);

  // Renders with `context`'s keys as template variables (a JSON object; null means none). Const
  // and thread-safe: renders share only the immutable parse tree.
  std::string render(const nlohmann::ordered_json& context) const;

  struct Program;

 private:
  explicit JinjaTemplate(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

}  // namespace llmcp::tokenizer::chat
