// Prompts an assistant can offer its user: the whole fine-tuning workflow with this server's
// tools, and how to write a tool-calling dataset in the format start_training reads.
#include "mcp/tools/tool_context.h"

namespace llmcp::mcp {
namespace {

Json user(const std::string& text) { return {{"role", "user"}, {"content", {{"type", "text"}, {"text", text}}}}; }

std::string arg_or(const std::map<std::string, std::string>& a, const char* k, const std::string& fallback) {
  auto it = a.find(k);
  return it == a.end() || it->second.empty() ? fallback : it->second;
}

}  // namespace

void add_prompts(ToolContext& ctx) {
  auto& reg = ctx.server.registry();
  Prompt wf;
  wf.name = "fine_tune_workflow";
  wf.title = "Fine-tune a model, step by step";
  wf.description = "Walks through choosing a model, checking the data, training, watching, evaluating and using an adapter";
  wf.arguments = {{"model", "base model (a name from list_models)", false},
                  {"dataset", "JSONL training data (name or path)", false},
                  {"goal", "what the fine-tuned model should do", false}};
  wf.get = [](const std::map<std::string, std::string>& a) {
    const std::string model = arg_or(a, "model", "demo-base"), dataset = arg_or(a, "dataset", "tool_calls_train.jsonl");
    const std::string goal = arg_or(a, "goal", "answer requests with correct tool calls");
    const std::string text =
        "Fine-tune " + model + " on " + dataset + " so that it can " + goal + ". Use the llm-mcp tools in this order:\n"
        "1. model_info {\"model\": \"" + model + "\"}: check the architecture and size.\n"
        "2. validate_dataset {\"dataset\": \"" + dataset + "\", \"model\": \"" + model + "\"}: fix any bad lines it "
        "reports; look at the marked example to confirm the loss covers the answers only.\n"
        "3. start_training with a config such as {\"model\": \"" + model + "\", \"dataset\": \"" + dataset +
        "\", \"method\": \"lora\", \"lora_rank\": 16, \"lora_alpha\": 32, \"target_modules\": \"all-linear\", "
        "\"learning_rate\": 2e-4, \"epochs\": 1} (a small model on a CPU tolerates a higher learning rate, e.g. 2e-3).\n"
        "4. get_job with wait_seconds 60 until the status is completed; show me the loss curve.\n"
        "5. evaluate the adapter on held-out data, then chat with it (adapter = the job's name) on a new request.\n"
        "If a run fails, read the job's error and llmcp://jobs/<id>/log, fix the cause, and resume_job or start again.";
    return Json{{"description", "Fine-tuning workflow for " + model}, {"messages", {user(text)}}};
  };
  wf.complete = [&ctx](const std::string& arg, const std::string& prefix) {
    std::vector<std::string> out;
    std::error_code ec;
    if (arg == "model") {
      for (const auto& e : std::filesystem::directory_iterator(ctx.workspace.models_dir(), ec))
        if (ctx.listable(e.path())) out.push_back(e.path().filename().string());
      for (const auto& r : ctx.workspace.read_only_roots())
        for (const auto& e : std::filesystem::directory_iterator(r, ec))
          if (std::filesystem::exists(e.path() / "config.json")) out.push_back(e.path().filename().string());
    }
    std::erase_if(out, [&](const std::string& s) { return s.rfind(prefix, 0) != 0; });
    std::sort(out.begin(), out.end());
    return out;
  };
  reg.add_prompt(std::move(wf));

  Prompt ds;
  ds.name = "prepare_tool_dataset";
  ds.title = "Write a tool-calling dataset";
  ds.description = "How to turn a set of tools and example requests into a JSONL dataset start_training accepts";
  ds.arguments = {{"tools", "the tools (names, what they do, their arguments)", true},
                  {"examples", "how many examples to write (default 200)", false}};
  ds.get = [](const std::map<std::string, std::string>& a) {
    const std::string n = arg_or(a, "examples", "200");
    const std::string text =
        "Write a tool-calling training set for these tools:\n" + a.at("tools") + "\n\n"
        "Write " + n + " lines of JSONL, one example per line, each exactly in this shape:\n"
        "{\"input\": \"<a user request>\", \"output\": \"\", \"tool_calls\": [{\"name\": \"<tool>\", \"arguments\": "
        "{<argument>: <value>}}]}\n"
        "Rules: vary the phrasing, names, places and numbers; cover every tool and every argument; arguments must be "
        "JSON values of the right type; for requests no tool fits, write {\"input\": ..., \"output\": \"<the answer>\"} "
        "without tool_calls. "
        "Keep 10% aside as an evaluation file. Save the files in the workspace's datasets/ folder, then run "
        "validate_dataset on them before start_training.";
    return Json{{"description", "Tool-calling dataset instructions"}, {"messages", {user(text)}}};
  };
  reg.add_prompt(std::move(ds));
}

}  // namespace llmcp::mcp
