// The dispatcher; see server.h. Method handlers throw RpcError for protocol-level problems
// (unknown method, bad params); a tool's own failures become results with isError.
#include "mcp/server.h"

#include <algorithm>
#include <thread>

#include "core/error.h"
#include <spdlog/spdlog.h>
#include "mcp/json_schema.h"
#include "mcp/pagination.h"

namespace llmcp::mcp {
namespace {

const Json& object_params(const Message& m) {
  static const Json empty = Json::object();
  if (m.params.is_null()) return empty;
  if (!m.params.is_object()) throw RpcError(kInvalidParams, m.method + " takes its params as an object");
  return m.params;
}

std::string required_string(const Json& params, const char* key, const std::string& method) {
  auto it = params.find(key);
  if (it == params.end() || !it->is_string())
    throw RpcError(kInvalidParams, method + " needs \"" + std::string(key) + "\" (a string)");
  return it->get<std::string>();
}

// One page of a list method's items, with nextCursor when more remain.
Json paged(const Json& params, const Json& items, const char* key, const std::string& method, size_t page_size) {
  auto page = page_of(params, items.size(), page_size, method);
  Json list = Json::array();
  for (size_t i = page.begin; i < page.end; ++i) list.push_back(items[i]);
  Json r{{key, std::move(list)}};
  if (!page.next_cursor.is_null()) r["nextCursor"] = page.next_cursor;
  return r;
}

Json tool_result_json(const ToolResult& r) {
  Json content = Json::array();
  if (r.text_first) {
    std::string text = r.text;
    if (text.empty() && !r.structured.is_null()) text = r.structured.dump(2, ' ', false, Json::error_handler_t::replace);
    content.push_back({{"type", "text"}, {"text", text}});
  }
  for (const auto& c : r.content) content.push_back(c);
  Json j{{"content", std::move(content)}};
  if (!r.structured.is_null()) j["structuredContent"] = r.structured;
  if (r.is_error) j["isError"] = true;
  return j;
}

}  // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)), tasks_([this](const std::string& session_id, const Json& task) {
        for (auto& s : live_sessions())
          if (s->id() == session_id && s->protocol_version() == "2025-11-25")
            s->send_standalone(make_notification("notifications/tasks/status", task));
      }) {}

Server::~Server() { shutdown(); }

void Server::shutdown() {
  tasks_.cancel_all();
  task_workers_.wait_idle();
}

std::shared_ptr<Session> Server::new_session(const std::string& id) {
  auto s = std::make_shared<Session>(id);
  std::lock_guard lock(mu_);
  sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](auto& w) { return w.expired(); }),
                  sessions_.end());
  sessions_.push_back(s);
  return s;
}

void Server::close_session(const std::string& id) {
  for (auto& s : live_sessions())
    if (s->id() == id) s->cancel_all();
}

std::vector<std::shared_ptr<Session>> Server::live_sessions() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Session>> out;
  for (auto& w : sessions_)
    if (auto s = w.lock()) out.push_back(std::move(s));
  return out;
}

void Server::resource_updated(const std::string& uri) {
  for (auto& s : live_sessions())
    if (s->subscribed(uri)) s->send_standalone(make_notification("notifications/resources/updated", {{"uri", uri}}));
}

void Server::list_changed(const std::string& what) {
  for (auto& s : live_sessions())
    if (s->initialized()) s->send_standalone(make_notification("notifications/" + what + "/list_changed", nullptr));
}

std::optional<Json> Server::handle(const std::shared_ptr<Session>& session, const Message& m, const Sink& related) {
  if (m.kind == Message::Kind::kResponse) {
    if (!session->deliver_response(m)) spdlog::debug("mcp: ignored a response to an unknown request id {}", id_key(m.id));
    return std::nullopt;
  }
  if (m.kind == Message::Kind::kNotification) {
    if (m.method == "notifications/cancelled" && m.params.is_object() && m.params.contains("requestId"))
      session->cancel_request(m.params["requestId"]);
    // notifications/initialized, roots/list_changed, progress: nothing to do.
    return std::nullopt;
  }
  auto state = session->begin_request(m.id);
  if (!state) return make_error(m.id, kInvalidRequest, "request id " + id_key(m.id) + " is already in flight");
  Json response;
  try {
    response = make_response(m.id, dispatch(session, m, state, related));
  } catch (const RpcError& e) {
    response = make_error(m.id, e.code(), e.what(), e.data());
  } catch (const core::Error& e) {
    response = make_error(m.id, e.code() == core::ErrorCode::kInternal ? kInternalError : kInvalidParams, e.what());
  } catch (const std::exception& e) {
    response = make_error(m.id, kInternalError, core::user_message(e));
  }
  session->end_request(m.id);
  if (state->cancelled.load()) return std::nullopt;  // the client no longer waits for it
  return response;
}

Json Server::dispatch(const std::shared_ptr<Session>& session, const Message& m,
                      const std::shared_ptr<RequestState>& state, const Sink& related) {
  const std::string& method = m.method;
  if (method == "ping") return Json::object();
  if (method == "initialize") return initialize(*session, object_params(m));
  if (!session->initialized())
    throw RpcError(kInvalidRequest, "the session is not initialized: send initialize first (then ping works too)");
  const Json& params = object_params(m);
  if (method == "tools/list") {
    Json all = Json::array();
    for (const auto& t : registry_.tools()) all.push_back(describe(t));
    return paged(params, all, "tools", method, options_.page_size);
  }
  if (method == "tools/call") return call_tool(session, params, state, related);
  if (method == "resources/list") {
    Json all = Json::array();
    for (const auto& r : registry_.resources()) all.push_back(describe(r));
    return paged(params, all, "resources", method, options_.page_size);
  }
  if (method == "resources/templates/list") {
    Json all = Json::array();
    for (const auto& t : registry_.templates()) all.push_back(describe(t));
    return paged(params, all, "resourceTemplates", method, options_.page_size);
  }
  if (method == "resources/read") return read_resource(session, params, state, related);
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    const auto uri = required_string(params, "uri", method);
    if (method == "resources/subscribe") session->subscribe(uri);
    else session->unsubscribe(uri);
    return Json::object();
  }
  if (method == "prompts/list") {
    Json all = Json::array();
    for (const auto& p : registry_.prompts()) all.push_back(describe(p));
    return paged(params, all, "prompts", method, options_.page_size);
  }
  if (method == "prompts/get") return get_prompt(params);
  if (method == "completion/complete") return complete(params);
  if (method == "logging/setLevel") {
    auto level = parse_log_level(required_string(params, "level", method));
    if (!level)
      throw RpcError(kInvalidParams,
                     "unknown log level; use debug, info, notice, warning, error, critical, alert or emergency");
    session->set_log_level(*level);
    return Json::object();
  }
  if (method.rfind("tasks/", 0) == 0) return tasks_method(session, method, params, state);
  throw RpcError(kMethodNotFound, "method '" + method + "' is not supported by this server");
}

Json Server::initialize(Session& session, const Json& params) {
  if (session.initialized()) throw RpcError(kInvalidRequest, "the session is already initialized");
  auto v = params.find("protocolVersion");
  if (v == params.end() || !v->is_string())
    throw RpcError(kInvalidParams, "initialize needs \"protocolVersion\" (a string such as \"2025-11-25\")");
  const auto& supported = supported_protocol_versions();
  const std::string version =
      std::find(supported.begin(), supported.end(), v->get<std::string>()) != supported.end() ? v->get<std::string>()
                                                                                             : supported.front();
  Json capabilities = params.value("capabilities", Json::object());
  if (!capabilities.is_object()) capabilities = Json::object();
  session.set_initialized(version, capabilities, params.value("clientInfo", Json::object()));
  Json caps{{"tools", {{"listChanged", true}}},
            {"resources", {{"subscribe", true}, {"listChanged", true}}},
            {"prompts", {{"listChanged", false}}},
            {"logging", Json::object()},
            {"completions", Json::object()}};
  if (version == "2025-11-25")
    caps["tasks"] = {{"list", Json::object()}, {"cancel", Json::object()},
                     {"requests", {{"tools", {{"call", Json::object()}}}}}};
  Json r{{"protocolVersion", version},
         {"capabilities", std::move(caps)},
         {"serverInfo", {{"name", options_.name}, {"title", "llm-mcp: fine-tune and serve open LLMs"}, {"version", options_.version}}}};
  if (!options_.instructions.empty()) r["instructions"] = options_.instructions;
  return r;
}

Json Server::run_tool(const Tool& tool, const Json& arguments, CallContext& ctx) {
  ToolResult r;
  if (auto bad = schema_violation(tool.input_schema, arguments)) {
    r = ToolResult::error("invalid arguments for " + tool.name + ": " + *bad);
  } else {
    try {
      r = tool.handler(arguments, ctx);
    } catch (const RpcError&) {
      throw;
    } catch (const std::exception& e) {
      r = ToolResult::error(core::user_message(e));  // never a libtorch stack
    }
  }
  if (!r.is_error && !tool.output_schema.is_null())
    if (auto bad = schema_violation(tool.output_schema, r.structured, "structuredContent"))
      r = ToolResult::error("internal error: " + tool.name + " produced output that breaks its schema: " + *bad);
  return tool_result_json(r);
}

Json Server::call_tool(const std::shared_ptr<Session>& session, const Json& params,
                       const std::shared_ptr<RequestState>& state, const Sink& related) {
  const auto name = required_string(params, "name", "tools/call");
  const Tool* tool = registry_.find_tool(name);
  if (!tool) throw RpcError(kInvalidParams, "unknown tool '" + name + "'; tools/list shows the available ones");
  Json arguments = params.value("arguments", Json::object());
  if (arguments.is_null()) arguments = Json::object();
  if (!arguments.is_object()) throw RpcError(kInvalidParams, "tools/call \"arguments\" must be an object");
  Json token;
  if (params.contains("_meta") && params["_meta"].is_object()) token = params["_meta"].value("progressToken", Json());
  const bool as_task = params.contains("task") && params["task"].is_object();
  if (as_task && tool->task_support == TaskSupport::kForbidden)
    throw RpcError(kMethodNotFound, "tool '" + name + "' does not run as a task; call it without \"task\"");
  if (!as_task && tool->task_support == TaskSupport::kRequired)
    throw RpcError(kMethodNotFound, "tool '" + name + "' runs only as a task; call it with \"task\": {}");
  if (!as_task) {
    CallContext ctx(session, token, state, related);
    return run_tool(*tool, arguments, ctx);
  }
  // A task: its own cancellation state (tasks/cancel), the work on a thread of its own.
  std::optional<int64_t> ttl;  // clamped by the store; read as a double so any number is safe
  if (params["task"].contains("ttl") && params["task"]["ttl"].is_number())
    ttl = static_cast<int64_t>(std::clamp(params["task"]["ttl"].get<double>(), 0.0, 1e12));
  auto task_state = std::make_shared<RequestState>();
  Json task = tasks_.create(session->id(), ttl, task_state);
  const std::string task_id = task["taskId"];
  task_workers_.spawn([this, session, tool, arguments, token, task_state, task_id] {
    CallContext ctx(session, token, task_state, {});
    ctx.run_as_task(task_id, [this, task_id](const std::string& m) { tasks_.set_message(task_id, m); });
    try {
      Json r = run_tool(*tool, arguments, ctx);
      r["_meta"]["io.modelcontextprotocol/related-task"] = {{"taskId", task_id}};
      tasks_.finish(task_id, r, std::nullopt);
    } catch (const RpcError& e) {
      tasks_.finish(task_id, std::nullopt, Json{{"code", e.code()}, {"message", e.what()}});
    } catch (const std::exception& e) {
      tasks_.finish(task_id, std::nullopt, Json{{"code", kInternalError}, {"message", core::user_message(e)}});
    }
  });
  return Json{{"task", task}};
}

Json Server::read_resource(const std::shared_ptr<Session>& session, const Json& params,
                           const std::shared_ptr<RequestState>& state, const Sink& related) {
  const auto uri = required_string(params, "uri", "resources/read");
  CallContext ctx(session, Json(), state, related);
  auto contents = registry_.read_resource(uri, ctx);
  if (!contents) throw RpcError(kResourceNotFound, "resource not found: " + uri, {{"uri", uri}});
  return Json{{"contents", *contents}};
}

Json Server::get_prompt(const Json& params) {
  const auto name = required_string(params, "name", "prompts/get");
  const Prompt* p = registry_.find_prompt(name);
  if (!p) throw RpcError(kInvalidParams, "unknown prompt '" + name + "'; prompts/list shows the available ones");
  std::map<std::string, std::string> args;
  if (params.contains("arguments") && !params["arguments"].is_null()) {
    if (!params["arguments"].is_object()) throw RpcError(kInvalidParams, "prompts/get \"arguments\" must be an object");
    for (auto it = params["arguments"].begin(); it != params["arguments"].end(); ++it) {
      if (!it.value().is_string()) throw RpcError(kInvalidParams, "prompt argument '" + it.key() + "' must be a string");
      args[it.key()] = it.value().get<std::string>();
    }
  }
  for (const auto& a : p->arguments)
    if (a.required && !args.count(a.name))
      throw RpcError(kInvalidParams, "prompt '" + name + "' needs the argument '" + a.name + "'");
  for (const auto& entry : args) {
    const std::string& key = entry.first;
    const bool known = std::any_of(p->arguments.begin(), p->arguments.end(), [&](auto& a) { return a.name == key; });
    if (!known) throw RpcError(kInvalidParams, "prompt '" + name + "' has no argument '" + key + "'");
  }
  return p->get(args);
}

Json Server::complete(const Json& params) {
  auto ref = params.value("ref", Json());
  auto argument = params.value("argument", Json());
  if (!ref.is_object() || !argument.is_object() || !argument.contains("name") || !argument["name"].is_string())
    throw RpcError(kInvalidParams, "completion/complete needs \"ref\" and \"argument\": {\"name\", \"value\"}");
  const std::string arg = argument["name"];
  const std::string value = argument.value("value", "");
  const std::string type = ref.value("type", "");
  std::vector<std::string> values;
  if (type == "ref/prompt") {
    const Prompt* p = registry_.find_prompt(ref.value("name", ""));
    if (!p) throw RpcError(kInvalidParams, "unknown prompt '" + ref.value("name", "") + "'");
    if (p->complete) values = p->complete(arg, value);
  } else if (type == "ref/resource") {
    const auto* t = registry_.find_template(ref.value("uri", ""));
    if (!t) throw RpcError(kInvalidParams, "unknown resource template '" + ref.value("uri", "") + "'");
    if (t->complete) values = t->complete(arg, value);
  } else {
    throw RpcError(kInvalidParams, "completion ref type must be ref/prompt or ref/resource");
  }
  const size_t total = values.size();
  if (values.size() > 100) values.resize(100);
  return Json{{"completion", {{"values", values}, {"total", total}, {"hasMore", total > values.size()}}}};
}

Json Server::tasks_method(const std::shared_ptr<Session>& session, const std::string& method, const Json& params,
                          const std::shared_ptr<RequestState>& state) {
  if (method == "tasks/list") return paged(params, Json(tasks_.list(session->id())), "tasks", method, options_.page_size);
  const auto id = required_string(params, "taskId", method);
  if (method == "tasks/get") return tasks_.get(session->id(), id);
  if (method == "tasks/cancel") return tasks_.cancel(session->id(), id);
  if (method == "tasks/result") {
    auto outcome = tasks_.wait_result(session->id(), id, state.get());
    if (outcome.contains("error"))
      throw RpcError(outcome["error"].value("code", static_cast<int>(kInternalError)),
                     outcome["error"].value("message", "the task failed"), outcome["error"].value("data", Json()));
    return outcome["result"];
  }
  throw RpcError(kMethodNotFound, "method '" + method + "' is not supported by this server");
}

}  // namespace llmcp::mcp
