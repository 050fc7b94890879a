// What the server offers, as data: tools (schemas + handler), resources, resource templates and
// prompts. Tool groups (mcp/tools/*.cpp), the workspace resources and the conformance fixtures
// each add theirs; the dispatcher only looks things up here.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mcp/call_context.h"

namespace llmcp::mcp {

struct ToolResult {
  Json structured;             // structuredContent: an object matching the tool's outputSchema (or null)
  std::string text;            // the text rendering; empty = structured, pretty-printed
  std::vector<Json> content;   // more content blocks after the text (images, resources)
  bool is_error = false;
  bool text_first = true;      // false: `content` only, no text block (fixtures)
  static ToolResult error(std::string message);
};

enum class TaskSupport { kForbidden, kOptional, kRequired };

struct Tool {
  std::string name, title, description;
  Json input_schema;             // an object schema with additionalProperties false
  Json output_schema;            // null: the tool returns no structuredContent
  Json annotations;              // readOnlyHint, destructiveHint, ... (null: none)
  TaskSupport task_support = TaskSupport::kForbidden;
  std::function<ToolResult(const Json& arguments, CallContext& ctx)> handler;
};

// Variables of a URI template such as llmcp://jobs/{id}/log.
using UriVars = std::map<std::string, std::string>;
// Completion values for one argument given what the user typed so far.
using Completer = std::function<std::vector<std::string>(const std::string& argument, const std::string& prefix)>;

struct Resource {
  std::string uri, name, title, description, mime_type;
};

struct ResourceTemplate {
  std::string uri_template, name, title, description, mime_type;
  // The resources it stands for right now (listed by resources/list), e.g. one per job.
  std::function<std::vector<Resource>()> instances;
  // contents ([{uri, mimeType, text|blob}]); nullopt: no such resource (-32002).
  std::function<std::optional<Json>(const std::string& uri, const UriVars& vars, CallContext& ctx)> read;
  Completer complete;
};

struct PromptArgument {
  std::string name, description;
  bool required = false;
};

struct Prompt {
  std::string name, title, description;
  std::vector<PromptArgument> arguments;
  // {"description"?, "messages": [...]}; throws RpcError(-32602) on bad arguments.
  std::function<Json(const std::map<std::string, std::string>& arguments)> get;
  Completer complete;
};

class Registry {
 public:
  void add_tool(Tool tool);
  void add_resource(Resource resource, std::function<Json(CallContext&)> read);
  void add_template(ResourceTemplate t);
  void add_prompt(Prompt prompt);

  const std::vector<Tool>& tools() const { return tools_; }
  const Tool* find_tool(const std::string& name) const;
  std::vector<Resource> resources() const;  // static ones, then each template's instances
  const std::vector<ResourceTemplate>& templates() const { return templates_; }
  // contents for resources/read; nullopt when no resource has that URI.
  std::optional<Json> read_resource(const std::string& uri, CallContext& ctx) const;
  const std::vector<Prompt>& prompts() const { return prompts_; }
  const Prompt* find_prompt(const std::string& name) const;
  const ResourceTemplate* find_template(const std::string& uri_template) const;

 private:
  struct StaticResource {
    Resource resource;
    std::function<Json(CallContext&)> read;
  };
  std::vector<Tool> tools_;
  std::vector<StaticResource> resources_;
  std::vector<ResourceTemplate> templates_;
  std::vector<Prompt> prompts_;
};

// Matches "llmcp://jobs/{id}/log" against a URI; a variable matches one non-empty path segment.
std::optional<UriVars> match_uri_template(const std::string& uri_template, const std::string& uri);

// JSON descriptions for the list methods.
Json describe(const Tool& tool);
Json describe(const Resource& resource);
Json describe(const ResourceTemplate& t);
Json describe(const Prompt& prompt);

}  // namespace llmcp::mcp
