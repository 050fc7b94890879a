// Conformance fixtures; behaviour as the suite's scenarios describe it (see conformance_fixtures.h).
#include "mcp/conformance_fixtures.h"

#include <thread>

namespace llmcp::mcp {
namespace {

using namespace std::chrono_literals;

// A 1x1 PNG and a silent 1-sample WAV, base64.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
constexpr const char* kWav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

Json object_schema(Json properties = Json::object(), Json required = Json::array()) {
  Json s{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

Tool fixture(std::string name, std::string description, Json input,
             std::function<ToolResult(const Json&, CallContext&)> handler) {
  Tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.input_schema = std::move(input);
  t.handler = std::move(handler);
  return t;
}

ToolResult content_only(std::vector<Json> blocks) {
  ToolResult r;
  r.text_first = false;
  r.content = std::move(blocks);
  return r;
}

Json text_block(const std::string& s) { return {{"type", "text"}, {"text", s}}; }

// Sends elicitation/create and renders the answer as the suite expects.
ToolResult elicit(CallContext& ctx, const std::string& message, Json schema, const std::string& prefix) {
  Json r = ctx.request_client("elicitation/create", {{"message", message}, {"requestedSchema", std::move(schema)}},
                              std::chrono::seconds(60));
  if (r.contains("error")) return ToolResult::error("elicitation failed: " + r["error"].value("message", ""));
  const Json& res = r["result"];
  return content_only({text_block(prefix + "action=" + res.value("action", "") + ", content=" +
                                  res.value("content", Json::object()).dump())});
}

void add_tools(Server& server) {
  auto& reg = server.registry();
  reg.add_tool(fixture("test_simple_text", "Returns a simple text response (conformance fixture).", object_schema(),
                       [](const Json&, CallContext&) {
                         return content_only({text_block("This is a simple text response for testing.")});
                       }));
  reg.add_tool(fixture("test_image_content", "Returns a small PNG image (conformance fixture).", object_schema(),
                       [](const Json&, CallContext&) {
                         return content_only({{{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}}});
                       }));
  reg.add_tool(fixture("test_audio_content", "Returns a short WAV clip (conformance fixture).", object_schema(),
                       [](const Json&, CallContext&) {
                         return content_only({{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}});
                       }));
  reg.add_tool(fixture("test_embedded_resource", "Returns an embedded text resource (conformance fixture).",
                       object_schema(), [](const Json&, CallContext&) {
                         return content_only({{{"type", "resource"},
                                               {"resource",
                                                {{"uri", "test://embedded-resource"},
                                                 {"mimeType", "text/plain"},
                                                 {"text", "This is an embedded resource content."}}}}});
                       }));
  reg.add_tool(fixture("test_multiple_content_types", "Returns text, an image and a resource (conformance fixture).",
                       object_schema(), [](const Json&, CallContext&) {
                         return content_only({text_block("Multiple content types test:"),
                                              {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}},
                                              {{"type", "resource"},
                                               {"resource",
                                                {{"uri", "test://mixed-content-resource"},
                                                 {"mimeType", "application/json"},
                                                 {"text", "{\"test\":\"data\",\"value\":123}"}}}}});
                       }));
  reg.add_tool(fixture("test_tool_with_logging", "Sends three log messages while it runs (conformance fixture).",
                       object_schema(), [](const Json&, CallContext& ctx) {
                         ctx.log(LogLevel::kInfo, "Tool execution started");
                         std::this_thread::sleep_for(50ms);
                         ctx.log(LogLevel::kInfo, "Tool processing data");
                         std::this_thread::sleep_for(50ms);
                         ctx.log(LogLevel::kInfo, "Tool execution completed");
                         return content_only({text_block("Logging test completed")});
                       }));
  reg.add_tool(fixture("test_error_handling", "Always fails, as a tool error (conformance fixture).", object_schema(),
                       [](const Json&, CallContext&) {
                         return ToolResult::error("This tool intentionally returns an error for testing");
                       }));
  reg.add_tool(fixture("test_tool_with_progress", "Reports progress 0, 50, 100 of 100 (conformance fixture).",
                       object_schema(), [](const Json&, CallContext& ctx) {
                         ctx.progress(0, 100, "started");
                         std::this_thread::sleep_for(50ms);
                         ctx.progress(50, 100, "half way");
                         std::this_thread::sleep_for(50ms);
                         ctx.progress(100, 100, "done");
                         return content_only({text_block("Progress test completed")});
                       }));
  reg.add_tool(fixture("test_sampling", "Asks the client's model to complete a prompt (conformance fixture).",
                       object_schema({{"prompt", {{"type", "string"}, {"description", "The prompt to send"}}}}, {"prompt"}),
                       [](const Json& args, CallContext& ctx) {
                         Json r = ctx.request_client(
                             "sampling/createMessage",
                             {{"messages", Json::array({{{"role", "user"},
                                                         {"content", text_block(args["prompt"].get<std::string>())}}})},
                              {"maxTokens", 100}},
                             std::chrono::seconds(60));
                         if (r.contains("error"))
                           return ToolResult::error("sampling failed: " + r["error"].value("message", ""));
                         std::string text = r["result"].value("content", Json::object()).value("text", "");
                         return content_only({text_block("LLM response: " + text)});
                       }));
  reg.add_tool(fixture(
      "test_elicitation", "Asks the user for a username and e-mail address (conformance fixture).",
      object_schema({{"message", {{"type", "string"}, {"description", "What to ask"}}}}, {"message"}),
      [](const Json& args, CallContext& ctx) {
        return elicit(ctx, args["message"].get<std::string>(),
                      {{"type", "object"},
                       {"properties",
                        {{"username", {{"type", "string"}, {"description", "User's response"}}},
                         {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                       {"required", {"username", "email"}}},
                      "User response: ");
      }));
  reg.add_tool(fixture(
      "test_elicitation_sep1034_defaults", "Elicitation whose fields have defaults (conformance fixture).",
      object_schema(), [](const Json&, CallContext& ctx) {
        Json props{{"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
                   {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
                   {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
                   {"status",
                    {{"type", "string"},
                     {"description", "User status"},
                     {"enum", {"active", "inactive", "pending"}},
                     {"default", "active"}}},
                   {"verified", {{"type", "boolean"}, {"description", "Verification status"}, {"default", true}}}};
        return elicit(ctx, "Please review and update the form fields with defaults",
                      {{"type", "object"}, {"properties", props}, {"required", Json::array()}},
                      "Elicitation completed: ");
      }));
  reg.add_tool(fixture(
      "test_elicitation_sep1330_enums", "Elicitation with the five enum forms (conformance fixture).", object_schema(),
      [](const Json&, CallContext& ctx) {
        auto titled = [](const char* v, const char* t) { return Json{{"const", v}, {"title", t}}; };
        Json props{
            {"untitledSingle", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}},
            {"titledSingle",
             {{"type", "string"},
              {"oneOf", {titled("value1", "First Option"), titled("value2", "Second Option"),
                         titled("value3", "Third Option")}}}},
            {"legacyEnum",
             {{"type", "string"},
              {"enum", {"opt1", "opt2", "opt3"}},
              {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
            {"untitledMulti", {{"type", "array"}, {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
            {"titledMulti",
             {{"type", "array"},
              {"items",
               {{"anyOf", {titled("value1", "First Choice"), titled("value2", "Second Choice"),
                           titled("value3", "Third Choice")}}}}}}};
        return elicit(ctx, "Please select options from the enum fields", {{"type", "object"}, {"properties", props}},
                      "Elicitation completed: ");
      }));
  Tool schema_tool = fixture(
      "json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features (conformance fixture).",
      {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
       {"type", "object"},
       {"$defs",
        {{"address",
          {{"type", "object"}, {"properties", {{"street", {{"type", "string"}}}, {"city", {{"type", "string"}}}}}}}}},
       {"properties", {{"name", {{"type", "string"}}}, {"address", {{"$ref", "#/$defs/address"}}}}},
       {"additionalProperties", false}},
      [](const Json& args, CallContext&) { return content_only({text_block(args.dump())}); });
  reg.add_tool(std::move(schema_tool));
}

void add_resources_and_prompts(Server& server) {
  auto& reg = server.registry();
  reg.add_resource({"test://static-text", "static-text", "", "A static text resource (conformance fixture)", "text/plain"},
                   [](CallContext&) {
                     return Json::array({{{"uri", "test://static-text"},
                                          {"mimeType", "text/plain"},
                                          {"text", "This is the content of the static text resource."}}});
                   });
  reg.add_resource({"test://static-binary", "static-binary", "", "A static PNG (conformance fixture)", "image/png"},
                   [](CallContext&) {
                     return Json::array({{{"uri", "test://static-binary"}, {"mimeType", "image/png"}, {"blob", kPng}}});
                   });
  reg.add_resource({"test://watched-resource", "watched-resource", "", "A subscribable resource (conformance fixture)",
                    "text/plain"},
                   [](CallContext&) {
                     return Json::array({{{"uri", "test://watched-resource"},
                                          {"mimeType", "text/plain"},
                                          {"text", "Watched resource content"}}});
                   });
  ResourceTemplate t;
  t.uri_template = "test://template/{id}/data";
  t.name = "template-data";
  t.description = "Data for an id (conformance fixture)";
  t.mime_type = "application/json";
  t.read = [](const std::string& uri, const UriVars& vars, CallContext&) -> std::optional<Json> {
    const auto& id = vars.at("id");
    Json body{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
    return Json::array({{{"uri", uri}, {"mimeType", "application/json"}, {"text", body.dump()}}});
  };
  reg.add_template(std::move(t));

  auto user_text = [](const std::string& s) { return Json{{"role", "user"}, {"content", text_block(s)}}; };
  reg.add_prompt({"test_simple_prompt", "", "A prompt without arguments (conformance fixture)", {},
                  [user_text](const auto&) {
                    return Json{{"messages", {user_text("This is a simple prompt for testing.")}}};
                  },
                  {}});
  reg.add_prompt({"test_prompt_with_arguments", "", "A prompt with two arguments (conformance fixture)",
                  {{"arg1", "First argument", true}, {"arg2", "Second argument", true}},
                  [user_text](const std::map<std::string, std::string>& a) {
                    return Json{{"messages", {user_text("Prompt with arguments: arg1='" + a.at("arg1") + "', arg2='" +
                                                        a.at("arg2") + "'")}}};
                  },
                  [](const std::string& arg, const std::string& prefix) {
                    std::vector<std::string> out;
                    for (std::string v : {"paris", "park", "party"})
                      if (arg == "arg1" && v.rfind(prefix, 0) == 0) out.push_back(v);
                    return out;
                  }});
  reg.add_prompt({"test_prompt_with_embedded_resource", "", "A prompt embedding a resource (conformance fixture)",
                  {{"resourceUri", "URI of the resource to embed", true}},
                  [user_text](const std::map<std::string, std::string>& a) {
                    Json res{{"role", "user"},
                             {"content",
                              {{"type", "resource"},
                               {"resource",
                                {{"uri", a.at("resourceUri")},
                                 {"mimeType", "text/plain"},
                                 {"text", "Embedded resource content for testing."}}}}}};
                    return Json{{"messages", {res, user_text("Please process the embedded resource above.")}}};
                  },
                  {}});
  reg.add_prompt({"test_prompt_with_image", "", "A prompt with an image (conformance fixture)", {},
                  [user_text](const auto&) {
                    Json img{{"role", "user"}, {"content", {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}}}};
                    return Json{{"messages", {img, user_text("Please analyze the image above.")}}};
                  },
                  {}});
}

}  // namespace

void add_conformance_fixtures(Server& server) {
  add_tools(server);
  add_resources_and_prompts(server);
}

}  // namespace llmcp::mcp
