// The playground: a base model and an adapter from GET /v1/models, a chat streamed from
// POST /v1/chat/completions (the OpenAI-compatible endpoint, as any OpenAI client would call it;
// the login cookie admits the page there), editable tool definitions, and the tool calls the
// server parsed from the answer shown as calls, not text.
"use strict";

(() => {
  const { el } = Dash;
  const DEFAULT_TOOLS = [
    { type: "function", function: { name: "get_weather", description: "Current weather of a city",
      parameters: { type: "object", properties: { location: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
                    required: ["location"] } } },
    { type: "function", function: { name: "search_restaurants", description: "Restaurants of a cuisine in a city",
      parameters: { type: "object", properties: { cuisine: { type: "string" }, city: { type: "string" } }, required: ["cuisine", "city"] } } },
  ];
  let models = [];
  let messages = [];
  let controller = null;

  const $ = (id) => document.getElementById(id);
  function status(text) { $("chat-status").textContent = text; }

  async function loadModels() {
    const res = await fetch("/v1/models");
    const body = await res.json();
    if (!res.ok) throw new Error(body.error?.message || res.statusText);
    models = body.data || [];
    const base = $("chat-base");
    const chosen = base.value;
    base.replaceChildren(...models.filter((m) => !m.parent).map((m) => el("option", { value: m.id, text: m.id })));
    if (chosen && models.some((m) => m.id === chosen)) base.value = chosen;
    fillAdapters();
  }

  function fillAdapters() {
    const base = $("chat-base").value;
    const adapter = $("chat-adapter");
    const chosen = adapter.value;
    adapter.replaceChildren(el("option", { value: "", text: "(none)" }),
      ...models.filter((m) => m.parent === base).map((m) => el("option", { value: m.id, text: m.id })));
    if (chosen && [...adapter.options].some((o) => o.value === chosen)) adapter.value = chosen;
  }

  function bubble(role, text) {
    const body = el("div", { class: "text", text });
    const b = el("div", { class: `msg ${role}` }, el("span", { class: "role", text: role }), body);
    $("chat-log").append(b);
    return b;
  }

  function showCalls(b, calls) {
    for (const c of calls) {
      let args = c.function.arguments;
      try { args = JSON.stringify(JSON.parse(args), null, 2); } catch { /* shown as sent */ }
      b.append(el("div", { class: "tool-call", "data-tool": c.function.name },
        el("span", { class: "role", text: `tool call: ${c.function.name}` }), el("pre", { text: args })));
    }
  }

  async function send(ev) {
    ev.preventDefault();
    const text = $("chat-input").value.trim();
    if (!text) return;
    let tools = null;
    const toolsText = $("chat-tools").value.trim();
    if (toolsText) {
      try { tools = JSON.parse(toolsText); } catch (e) { Dash.showError(new Error(`Tools: not valid JSON (${e.message})`)); return; }
    }
    Dash.showError(null);
    messages.push({ role: "user", content: text });
    const asked = bubble("user", text);
    $("chat-input").value = "";
    const b = bubble("assistant", "");
    const out = b.querySelector(".text");
    const request = { model: $("chat-adapter").value || $("chat-base").value, messages, stream: true,
                      max_tokens: Number($("chat-max-tokens").value) || 64, temperature: Number($("chat-temperature").value) || 0 };
    if (tools) Object.assign(request, { tools, tool_choice: $("chat-tool-choice").value });
    $("chat-send").disabled = true;
    status("Generating…");
    controller = new AbortController();
    const calls = [];
    let content = "";
    try {
      const res = await fetch("/v1/chat/completions", { method: "POST", headers: { "Content-Type": "application/json" },
                                                         body: JSON.stringify(request), signal: controller.signal });
      if (!res.ok) throw new Error((await res.json()).error?.message || res.statusText);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") continue;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message);
          const delta = chunk.choices?.[0]?.delta || {};
          if (delta.content) { content += delta.content; out.textContent = content; }
          for (const t of delta.tool_calls || []) {  // OpenAI's streamed calls: pieces by index
            const c = calls[t.index ?? calls.length] ??= { id: t.id, type: "function", function: { name: "", arguments: "" } };
            if (t.id) c.id = t.id;
            if (t.function?.name) c.function.name += t.function.name;
            if (t.function?.arguments) c.function.arguments += t.function.arguments;
          }
        }
      }
      showCalls(b, calls);
      messages.push(calls.length ? { role: "assistant", content: content || null, tool_calls: calls } : { role: "assistant", content });
      status(calls.length ? `${calls.length} tool call(s) parsed.` : "Done.");
    } catch (e) {  // the exchange is taken back, the message left to edit and send again
      messages.pop();
      asked.remove();
      b.remove();
      $("chat-input").value = text;
      status("");
      Dash.showError(e);
    } finally {
      $("chat-send").disabled = false;
    }
  }

  $("chat-base").addEventListener("change", fillAdapters);
  $("chat-form").addEventListener("submit", send);
  $("chat-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("chat-form").requestSubmit();
  });
  $("chat-clear").addEventListener("click", () => {
    if (controller) controller.abort();
    messages = [];
    $("chat-log").replaceChildren();
    status("");
  });
  if (!$("chat-tools").value) $("chat-tools").value = JSON.stringify(DEFAULT_TOOLS, null, 2);

  Dash.view("playground", { section: "view-playground", enter: loadModels });
})();
