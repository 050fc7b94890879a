// Test helper: renders cases with Python's jinja2 under transformers' environment
// (tools/reference/render_chat.py through Debian's /usr/bin/python3) so the C++ interpreter can
// be compared byte for byte. A missing python3-jinja2 fails the test; it never skips.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../test_util.h"
#include "core/error.h"
#include "tokenizer/chat/chat_template.h"

namespace llmcp::tokenizer::chat::testing {

struct Rendered {
  std::optional<std::string> text;  // nullopt: rendering failed
  std::string error;
};

inline std::string render_chat_script() { return std::string(LLMCP_SOURCE_DIR) + "/tools/reference/render_chat.py"; }

// Throws (failing the calling test) when /usr/bin/python3 cannot import jinja2.
inline void require_python_jinja2() {
  const auto probe = llmcp::testing::run_command(llmcp::testing::reference_python() + " -c 'import jinja2'");
  if (probe.status != 0) {
    throw std::runtime_error("the reference renderer needs Python's jinja2 at " + llmcp::testing::reference_python() +
                             ": run `make test-deps` (installs python3-jinja2). Output: " + probe.output);
  }
}

// One result per case, in order; see render_chat.py for the case format.
inline std::vector<Rendered> python_render(const nlohmann::ordered_json& cases) {
  require_python_jinja2();
  llmcp::testing::TempDir dir;
  const auto in = dir / "cases.json";
  const auto out = dir / "results.json";
  std::ofstream(in) << cases.dump();
  const auto r = llmcp::testing::run_command(llmcp::testing::reference_python() + " " + render_chat_script() + " " +
                                             in.string() + " > " + out.string());
  if (r.status != 0) throw std::runtime_error("render_chat.py failed: " + r.output);
  std::stringstream text;
  text << std::ifstream(out).rdbuf();
  const auto results = nlohmann::json::parse(text.str());
  if (!results.is_array() || results.size() != cases.size()) throw std::runtime_error("render_chat.py: bad output");
  std::vector<Rendered> rendered;
  for (const auto& item : results) {
    Rendered x;
    if (item.contains("text")) {
      x.text = item["text"].get<std::string>();
    } else {
      x.error = item.value("error", "");
    }
    rendered.push_back(std::move(x));
  }
  return rendered;
}

// Our side of the same case: the chat context when the case has messages, else its "context".
inline Rendered cpp_render(const nlohmann::ordered_json& c) {
  Rendered x;
  try {
    const JinjaTemplate t = JinjaTemplate::parse(c["template"].get<std::string>());
    if (c.contains("context")) {
      x.text = t.render(c["context"]);
    } else {
      ChatRequest r;
      r.messages = c["messages"];
      r.tools = c.value("tools", nlohmann::ordered_json());
      r.add_generation_prompt = c.value("add_generation_prompt", false);
      r.extra = c.value("extra", nlohmann::ordered_json::object());
      x.text = render_chat(t, r, c.value("special", nlohmann::ordered_json::object()));
    }
  } catch (const core::Error& e) {
    x.error = e.what();
  }
  return x;
}

}  // namespace llmcp::tokenizer::chat::testing
