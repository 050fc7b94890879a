// Finding a model's chat template: folder files in transformers' order, named template lists, the
// built-in fallback (byte-identical to the real models' templates in tests/fixtures/hf-files) and
// the errors that tell the user what to do.
#include "tokenizer/chat/template_source.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../../test_util.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "model/arch_registry.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer::chat {
namespace {

namespace fs = std::filesystem;
using llmcp::testing::TempDir;

const fs::path kFixtures = fs::path(LLMCP_SOURCE_DIR) / "tests/fixtures/hf-files";

Tokenizer fixture_tokenizer(const std::string& model) { return Tokenizer::from_dir(kFixtures / model); }

// A minimal byte-level tokenizer whose added tokens are `extra`.
Tokenizer tokenizer_with(const std::vector<std::string>& extra) {
  nlohmann::json vocab = {{"a", 0}, {"b", 1}};
  nlohmann::json added = nlohmann::json::array();
  int id = 2;
  for (const auto& t : extra) {
    added.push_back({{"id", id++}, {"content", t}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  const nlohmann::json j = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}},
                            {"added_tokens", added}};
  return Tokenizer::from_json(j.dump(), "");
}

// What the model registry's family picks for `arch` (model/arch/<family>.cpp), as callers tell it.
ModelFamily family_of(const std::string& arch, const Tokenizer& t) {
  return {arch, model::family_chat_template(arch, [&](std::string_view tok) { return t.token_to_id(tok).has_value(); })};
}

std::string builtin_source(const std::string& arch, const Tokenizer& t) {
  const auto b = builtin_chat_template(family_of(arch, t), t);
  EXPECT_TRUE(b.has_value()) << arch;
  return b ? select_chat_template(*b, "", false) : std::string();
}

std::string config_template(const std::string& model) {
  return nlohmann::json::parse(core::read_file(kFixtures / model / "tokenizer_config.json"))["chat_template"];
}

TEST(BuiltinChatTemplate, IsTheRealTemplateOfTheMatchingModel) {
  const Tokenizer llama2 = fixture_tokenizer("meta-llama--Llama-2-7b-hf");
  EXPECT_EQ(builtin_source("LlamaForCausalLM", llama2),
            core::read_file(kFixtures / "meta-llama--Llama-2-7b-chat-hf/chat_template.jinja"));
  EXPECT_EQ(builtin_source("LlamaForCausalLM", tokenizer_with({"<|start_header_id|>"})),
            core::read_file(kFixtures / "meta-llama--Llama-3.1-8B-Instruct/chat_template.jinja"));
  EXPECT_EQ(builtin_source("MistralForCausalLM", fixture_tokenizer("mistralai--Mistral-7B-Instruct-v0.1")),
            config_template("mistralai--Mistral-7B-Instruct-v0.1"));
  EXPECT_EQ(builtin_source("MixtralForCausalLM", fixture_tokenizer("mistralai--Mistral-7B-Instruct-v0.1")),
            config_template("mistralai--Mistral-7B-Instruct-v0.1"));
  EXPECT_EQ(builtin_source("MistralForCausalLM", fixture_tokenizer("mistralai--Mistral-7B-Instruct-v0.3")),
            core::read_file(kFixtures / "mistralai--Mistral-7B-Instruct-v0.3/revisions/"
                                        "v3-tools-template_openvino.genai/chat_template.jinja"));
  const std::string falcon = core::read_file(
      kFixtures / "tiiuae--falcon-7b-instruct/revisions/chat-template_openvino.genai/chat_template.jinja");
  EXPECT_EQ(builtin_source("FalconForCausalLM", fixture_tokenizer("tiiuae--falcon-7b")), falcon);
  EXPECT_EQ(builtin_source("RWForCausalLM", fixture_tokenizer("tiiuae--falcon-7b")), falcon);
  EXPECT_EQ(builtin_source("Qwen2ForCausalLM", tokenizer_with({"<|im_start|>", "<|im_end|>"})),
            core::read_file(kFixtures / "Qwen--Qwen2-7B-Instruct/chat_template.jinja"));
  EXPECT_FALSE(builtin_chat_template(family_of("GPT2LMHeadModel", llama2), llama2).has_value());
}

TEST(ChatTemplateSource, FolderFilesInTransformersOrder) {
  TempDir dir;
  EXPECT_TRUE(load_chat_templates(dir.path()).named.empty());
  core::write_file_atomic(dir / "tokenizer_config.json", R"({"chat_template": "from config"})");
  EXPECT_EQ(select_chat_template(load_chat_templates(dir.path()), "", false), "from config");
  core::write_file_atomic(dir / "chat_template.json", R"({"chat_template": "from json"})");
  EXPECT_EQ(select_chat_template(load_chat_templates(dir.path()), "", false), "from json");
  core::write_file_atomic(dir / "chat_template.jinja", "from jinja");
  const auto t = load_chat_templates(dir.path());
  EXPECT_EQ(select_chat_template(t, "", false), "from jinja");
  EXPECT_NE(t.origin.find("chat_template.jinja"), std::string::npos);
}

TEST(ChatTemplateSource, NamedListPicksToolUseWithToolsAndDefaultOtherwise) {
  const auto t = parse_chat_template_value(
      R"({"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"},
                            {"name": "rag", "template": "R"}]})", "tokenizer_config.json");
  EXPECT_EQ(select_chat_template(t, "", false), "D");
  EXPECT_EQ(select_chat_template(t, "", true), "T");
  EXPECT_EQ(select_chat_template(t, "rag", true), "R");
  std::string message;
  try {
    select_chat_template(t, "nope", false);
    ADD_FAILURE() << "expected an error";
  } catch (const core::Error& e) {
    message = e.what();
    EXPECT_EQ(e.code(), core::ErrorCode::kInvalidArgument);
  }
  EXPECT_NE(message.find("default, rag, tool_use"), std::string::npos) << message;
  const auto only_tools = parse_chat_template_value(
      R"({"chat_template": [{"name": "tool_use", "template": "T"}]})", "x.json");
  EXPECT_THROW(select_chat_template(only_tools, "", false), core::Error);
}

TEST(ChatTemplateSource, MalformedValuesAreErrorsNamingTheFile) {
  for (const char* bad : {R"({"chat_template": 3})", R"({"chat_template": [{"name": "a"}]})",
                          R"({"chat_template": [{"name": "a", "template": "x"}, {"name": "a", "template": "y"}]})",
                          "[1, 2]", "{not json"}) {
    try {
      parse_chat_template_value(bad, "my/tokenizer_config.json");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), core::ErrorCode::kMalformedFile) << bad;
      EXPECT_NE(std::string(e.what()).find("my/tokenizer_config.json"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(parse_chat_template_value(R"({"chat_template": null})", "x").named.empty());
}

TEST(ChatTemplateSource, NoTemplateAnywhereSaysHowToSupplyOne) {
  TempDir dir;
  try {
    resolve_chat_templates(dir.path(), family_of("GPT2LMHeadModel", tokenizer_with({})), tokenizer_with({}));
    ADD_FAILURE() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kNotFound);
    const std::string m = e.what();
    EXPECT_NE(m.find("GPT2LMHeadModel"), std::string::npos) << m;
    EXPECT_NE(m.find("chat_template.jinja"), std::string::npos) << m;
  }
  const auto t = resolve_chat_templates(dir.path(), family_of("LlamaForCausalLM", tokenizer_with({})), tokenizer_with({}));
  EXPECT_EQ(t.origin, "built-in llama-2");
}

}  // namespace
}  // namespace llmcp::tokenizer::chat
