// Test helper: renders cases with transformers' own apply_chat_template (and its Jinja environment
// for plain templates), through tools/tokenizer/hf_render_chat.py in the pinned Python environment
// ($LLMCP_PYTHON, set by `make test`), so the C++ interpreter can be compared byte for byte.
// Without that environment the test fails; it never skips.
#pragma once

#include <cstdlib>
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

inline std::string render_chat_script() { return std::string(LLMCP_SOURCE_DIR) + "/tools/tokenizer/hf_render_chat.py"; }

// The pinned environment's python; throws (failing the calling test) when it is not set.
inline std::string require_python() {
  const char* py = std::getenv("LLMCP_PYTHON");
  if (py == nullptr || *py == '\0') {
    throw std::runtime_error("the reference renderer needs transformers: run the tests through `make test`, or set "
                             "LLMCP_PYTHON=$(scripts/install-python-env.sh)");
  }
  return py;
}

// One result per case, in order; see hf_render_chat.py for the case format.
inline std::vector<Rendered> python_render(const nlohmann::ordered_json& cases) {
  const std::string python = require_python();
  llmcp::testing::TempDir dir;
  const auto in = dir / "cases.json";
  const auto out = dir / "results.json";
  std::ofstream(in) << cases.dump();
  const auto r = llmcp::testing::run_command(python + " " + render_chat_script() + " " +
                                             in.string() + " > " + out.string());
  if (r.status != 0) throw std::runtime_error("hf_render_chat.py failed: " + r.output);
  std::stringstream text;
  text << std::ifstream(out).rdbuf();
  const auto results = nlohmann::json::parse(text.str());
  if (!results.is_array() || results.size() != cases.size()) throw std::runtime_error("hf_render_chat.py: bad output");
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
