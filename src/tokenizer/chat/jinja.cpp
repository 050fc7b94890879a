// JinjaTemplate: parse once into an immutable tree, render with a fresh interpreter each time.
#include "tokenizer/chat/jinja.h"

#include <new>

#include "core/error.h"
#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_eval.h"
#include "tokenizer/chat/jinja_parser.h"

namespace llmcp::tokenizer::chat {

struct JinjaTemplate::Program {
  jinja::Body body;
};

JinjaTemplate JinjaTemplate::parse(std::string_view source) {
  auto program = std::make_shared<Program>();
  program->body = jinja::parse_template(source);
  return JinjaTemplate(std::move(program));
}

std::string JinjaTemplate::render(const nlohmann::ordered_json& context) const {
  LLMCP_CHECK(context.is_object() || context.is_null(), kInvalidArgument,
              "chat template context must be a JSON object, got ", context.type_name());
  auto globals = std::make_shared<jinja::Scope>();
  for (const auto& [name, fn] : jinja::global_functions()) globals->set(name, fn);
  auto scope = std::make_shared<jinja::Scope>(globals);
  if (context.is_object()) {
    for (const auto& [key, value] : context.items()) scope->set(key, jinja::Value::from_json(value));
  }
  try {
    return jinja::Interpreter().render(program_->body, scope);
  } catch (const core::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    LLMCP_FAIL(kInvalidArgument, "chat template ran out of memory while rendering");
  } catch (const std::exception& e) {
    LLMCP_FAIL(kInternal, "chat template interpreter failed: ", e.what());
  }
}

}  // namespace llmcp::tokenizer::chat
