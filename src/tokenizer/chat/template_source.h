// Where a model's chat template comes from, as transformers finds it: `chat_template.jinja` in the
// folder, else `chat_template.json`, else tokenizer_config.json's `chat_template` (a string, or a
// list of {name, template} from which "tool_use" is taken when tools are given and "default"
// otherwise). A model that ships none gets a built-in template: the one its family picks for its
// vocabulary (model/arch/<family>.cpp, told here as ModelFamily), or ChatML for any vocabulary
// with <|im_start|>; when none fits, the caller gets an error that says how to supply one.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmcp::tokenizer {
class Tokenizer;
}

namespace llmcp::tokenizer::chat {

struct ChatTemplates {
  std::map<std::string, std::string> named;  // name -> Jinja source; a lone template is "default"
  std::string origin;                        // file it came from, or "built-in <name>"
};

// The templates a model folder ships (empty `named` when it ships none). Malformed files throw
// core::Error(kMalformedFile) naming the file and key.
ChatTemplates load_chat_templates(const std::filesystem::path& model_dir);

// Reads the `chat_template` value of a tokenizer_config.json / chat_template.json text.
ChatTemplates parse_chat_template_value(const std::string& json_text, const std::string& origin);

// What a model's family says about templates: config.json's architectures[0] (for messages; may
// be empty) and the built-in template name its family picks for this vocabulary
// (model::family_chat_template: llama-3.1 or llama-2, mistral-v3-tools or mistral-v0.1, falcon;
// "" = none).
struct ModelFamily {
  std::string architecture;
  std::string builtin_template;
};

// The built-in template for a model that ships none: ChatML for any vocabulary with <|im_start|>
// and <|im_end|>, else the family's. nullopt when nothing fits.
std::optional<ChatTemplates> builtin_chat_template(const ModelFamily& family, const Tokenizer& tokenizer);

// The template source to use: `requested` by name when given, else "tool_use" when `with_tools`
// and present, else "default". Throws kInvalidArgument naming the available names.
const std::string& select_chat_template(const ChatTemplates& templates, std::string_view requested,
                                        bool with_tools);

// The templates compiled into the program (src/tokenizer/chat/templates/<name>.jinja): their
// names, sorted, and a source by name (empty when there is none of that name).
std::vector<std::string_view> builtin_template_names();
std::string_view builtin_template_source(std::string_view name);
std::string builtin_template_list();  // "chatml, falcon, ..." for messages

// What a template name asks for, one rule for every command and tool: a .jinja file, one of the
// model's named templates, a built-in one by name; an empty name is the model's own, else the
// built-in one for its architecture (empty sources when nothing fits). Unknown names are an
// error listing the model's and the built-in names.
struct TemplateChoice {
  std::string source, tools_source, origin;
};
TemplateChoice choose_chat_template(const std::filesystem::path& model_dir, const std::string& name,
                                    const ModelFamily& family, const Tokenizer& tokenizer);

// Loads the folder's templates, falling back to the built-in one; throws kNotFound with the fix
// ("pass a template file" / "use text or instruction data") when there is none.
ChatTemplates resolve_chat_templates(const std::filesystem::path& model_dir, const ModelFamily& family,
                                     const Tokenizer& tokenizer);

}  // namespace llmcp::tokenizer::chat
