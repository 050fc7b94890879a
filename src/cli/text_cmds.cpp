// `llm-mcp tokenize`, `detokenize` and `render-chat`: for users checking what their data looks like
// to the model — the ids and pieces of a text, the text of some ids, and a conversation rendered
// through the model's chat template with the spans that training would learn from.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/model_ref.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "engine/text.h"

namespace llmcp::cli {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// The lines of a file (without their "\n"; a last line without "\n" counts, an empty file has none).
std::vector<std::string> read_lines(const std::string& path) {
  const std::string text = core::read_file(path);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

// "[1, 2, 3]" or "1 2 3" (commas allowed) -> ids.
std::vector<int32_t> parse_ids(const std::string& text, const std::string& where) {
  std::string t = text;
  const size_t first = t.find_first_not_of(" \t");
  if (first != std::string::npos && t[first] == '[') {
    try {
      return json::parse(t).get<std::vector<int32_t>>();
    } catch (const json::exception& e) {
      LLMCP_FAIL(kInvalidArgument, where, " is not a JSON list of token ids: ", e.what());
    }
  }
  for (char& c : t) if (c == ',') c = ' ';
  std::istringstream in(t);
  std::vector<int32_t> ids;
  std::string word;
  while (in >> word) {
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    LLMCP_CHECK(used == word.size() && v >= INT32_MIN && v <= INT32_MAX, kInvalidArgument, where,
                ": '", word, "' is not a token id (write ids as \"1 2 3\" or [1, 2, 3])");
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

ordered_json read_json_file(const std::string& path, const char* what) {
  try {
    return ordered_json::parse(core::read_file(path));
  } catch (const json::exception& e) {
    LLMCP_FAIL(kInvalidArgument, what, " file '", path, "' is not valid JSON: ", e.what());
  }
}

void add_tokenize(CLI::App& app) {
  struct Opts {
    std::string model, text, file;
    bool json = false, add_special = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("tokenize", "Show the token ids (and pieces) of a text or of each line of a file");
  auto model_opt = std::make_shared<ModelOption>(cmd, o->model, "Model (a folder with only the tokenizer files works)");
  auto* text = cmd->add_option("--text", o->text, "Text to tokenize");
  auto* file = cmd->add_option("--file", o->file, "File whose lines are tokenized one by one");
  text->excludes(file);
  cmd->add_flag("--json", o->json, "JSON output: {ids, pieces} for --text; one JSON array of ids per line for --file");
  cmd->add_flag("--add-special-tokens", o->add_special, "Add BOS/EOS as the tokenizer does for model input");
  cmd->callback([o, text, file, model_opt] {
    model_opt->resolve();
    LLMCP_CHECK(text->count() + file->count() == 1, kInvalidArgument, "give --text or --file");
    if (text->count()) {
      const auto r = engine::tokenize(o->model, {o->text}, o->add_special).front();
      if (o->json) {
        std::cout << json{{"ids", r.ids}, {"pieces", r.pieces}}.dump() << "\n";
      } else {
        for (size_t i = 0; i < r.ids.size(); ++i) std::cout << r.ids[i] << "\t" << json(r.pieces[i]).dump() << "\n";
        std::cout << r.ids.size() << " tokens\n";
      }
      return;
    }
    const auto results = engine::tokenize(o->model, read_lines(o->file), o->add_special);
    for (const auto& r : results) {
      if (o->json) {
        std::cout << json(r.ids).dump() << "\n";
      } else {
        for (size_t i = 0; i < r.ids.size(); ++i) std::cout << (i ? " " : "") << r.ids[i];
        std::cout << "\n";
      }
    }
  });
}

void add_detokenize(CLI::App& app) {
  struct Opts {
    std::string model, ids, file;
    bool json = false, skip_special = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("detokenize", "Turn token ids back into text");
  auto model_opt = std::make_shared<ModelOption>(cmd, o->model, "Model (a folder with only the tokenizer files works)");
  auto* ids = cmd->add_option("--ids", o->ids, "Ids as \"1 2 3\" or \"[1, 2, 3]\"");
  auto* file = cmd->add_option("--file", o->file, "File with one id list per line (as tokenize --file --json writes)");
  ids->excludes(file);
  cmd->add_flag("--json", o->json, "Print each text as a JSON string (one per line)");
  cmd->add_flag("--skip-special-tokens", o->skip_special, "Leave out special tokens (BOS, EOS, ...)");
  cmd->callback([o, ids, file, model_opt] {
    model_opt->resolve();
    LLMCP_CHECK(ids->count() + file->count() == 1, kInvalidArgument, "give --ids or --file");
    std::vector<std::vector<int32_t>> lists;
    if (ids->count()) {
      lists.push_back(parse_ids(o->ids, "--ids"));
    } else {
      const auto lines = read_lines(o->file);
      for (size_t i = 0; i < lines.size(); ++i) {
        lists.push_back(parse_ids(lines[i], o->file + " line " + std::to_string(i + 1)));
      }
    }
    for (const auto& text : engine::detokenize(o->model, lists, o->skip_special)) {
      std::cout << (o->json ? json(text).dump() : text) << "\n";
    }
  });
}

void add_render_chat(CLI::App& app) {
  struct Opts {
    std::string model, messages, tools, template_name;
    std::vector<std::string> vars;
    bool add_generation_prompt = false, mask = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("render-chat", "Render a conversation through the model's chat template");
  auto model_opt = std::make_shared<ModelOption>(cmd, o->model, "Model (a folder with only the tokenizer files works)");
  cmd->add_option("--messages", o->messages,
                  "JSON file: a list of {role, content, tool_calls?}, or {\"messages\": [...], \"tools\": [...]}")
      ->required();
  cmd->add_option("--tools", o->tools, "JSON file with a list of tools (OpenAI function schema)");
  cmd->add_option("--template", o->template_name, "A named template of the model, or a .jinja file");
  cmd->add_option("--var", o->vars, "Extra template variable NAME=JSON (e.g. date_string='\"1 Jan 2025\"')");
  cmd->add_flag("--add-generation-prompt", o->add_generation_prompt, "End with the assistant's turn opening");
  cmd->add_flag("--mask", o->mask, "Show which spans training learns from (the assistant turns)");
  cmd->add_flag("--json", o->json, "JSON output: {text, template, trained_spans, ids, mask}");
  cmd->callback([o, model_opt] {
    model_opt->resolve();
    engine::RenderChatRequest req;
    req.model_dir = o->model;
    ordered_json messages = read_json_file(o->messages, "--messages");
    if (messages.is_object()) {
      if (messages.contains("tools")) req.tools = messages["tools"];
      messages = messages.value("messages", ordered_json());
    }
    req.messages = messages;
    if (!o->tools.empty()) req.tools = read_json_file(o->tools, "--tools");
    for (const auto& v : o->vars) {
      const size_t eq = v.find('=');
      LLMCP_CHECK(eq != std::string::npos && eq > 0, kInvalidArgument, "--var '", v, "' should be NAME=JSON");
      try {
        req.extra[v.substr(0, eq)] = ordered_json::parse(v.substr(eq + 1));
      } catch (const json::exception&) {
        req.extra[v.substr(0, eq)] = v.substr(eq + 1);  // a bare word is a string
      }
    }
    req.add_generation_prompt = o->add_generation_prompt;
    req.template_name = o->template_name;
    req.with_mask = o->mask || o->json;
    const auto r = engine::render_chat(req);
    if (o->json) {
      ordered_json j = {{"text", r.text}, {"template", r.template_origin}, {"trained_spans", r.trained_spans},
                        {"ids", r.ids}, {"mask", r.mask}};
      std::cout << j.dump() << "\n";
      return;
    }
    if (!o->mask) {
      std::cout << r.text;
      if (r.text.empty() || r.text.back() != '\n') std::cout << "\n";
      return;
    }
    // Trained spans in green on a terminal, else between ⟦ and ⟧.
    const bool tty = ::isatty(STDOUT_FILENO);
    const char* open = tty ? "\033[32m" : "\u27E6";
    const char* close = tty ? "\033[0m" : "\u27E7";
    size_t at = 0;
    for (const auto& [b, e] : r.trained_spans) {
      std::cout << r.text.substr(at, b - at) << open << r.text.substr(b, e - b) << close;
      at = e;
    }
    std::cout << r.text.substr(at) << "\n";
    size_t trained = 0;
    for (const auto m : r.mask) trained += m;
    std::cerr << r.ids.size() << " tokens, " << trained << " trained (template: " << r.template_origin << ")\n";
  });
}

}  // namespace

void add_text_commands(CLI::App& app) {
  add_tokenize(app);
  add_detokenize(app);
  add_render_chat(app);
}

}  // namespace llmcp::cli
