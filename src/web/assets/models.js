// Models and adapters: list_models (the workspace, the built-in demo, the Hub cache) with each
// model's size and what every method needs in memory here (estimate_memory per method, for this
// machine), and list_adapters with each adapter's config and base, and the actions load_adapter,
// unload_adapter and merge_adapter.
"use strict";

(() => {
  const { el } = Dash;
  const METHODS = ["lora", "qlora", "dora", "sparse", "full"];

  function status(text) { document.getElementById("models-status").textContent = text; }

  async function memoryByMethod(model) {
    const parts = await Promise.all(METHODS.map(async (method) => {
      try {
        const r = await Dash.call("estimate_memory", { model, method });
        return el("li", { class: r.fits ? "" : "error", text: `${method}: ${Dash.bytes(r.total_bytes)}${r.fits ? "" : " (does not fit)"}` });
      } catch (e) {
        return el("li", { class: "muted", text: `${method}: ${e.message.split(":")[0]}` });
      }
    }));
    return el("ul", { class: "compact" }, ...parts);
  }

  // The adapter's whole adapter_config.json (its MCP resource), read when opened.
  function adapterConfig(name) {
    const pre = el("pre", { tabindex: "0" });
    const d = el("details", {}, el("summary", { text: "adapter_config.json" }), pre);
    d.addEventListener("toggle", async () => {
      if (!d.open || pre.textContent) return;
      try {
        pre.textContent = JSON.stringify(JSON.parse(await Dash.read(`llmcp://adapters/${encodeURIComponent(name)}/config`)), null, 2);
      } catch (e) {
        pre.textContent = e.message;
      }
    });
    return d;
  }

  async function act(tool, args, done) {
    status(`${tool}…`);
    try {
      const r = await Dash.call(tool, args);
      status(done(r));
      await refresh();
    } catch (e) {
      status("");
      Dash.showError(e);
    }
  }

  async function refresh() {
    const [{ models = [], loaded = [] }, { adapters = [] }] = await Promise.all([Dash.call("list_models"), Dash.call("list_adapters")]);
    const loadedDirs = new Set(loaded.map((m) => m.path || m.model_dir || m.folder || m.name));
    const rows = await Promise.all(models.map(async (m) => el("tr", {},
      el("td", {}, el("strong", { text: m.name }), el("div", { class: "muted", text: m.path })),
      el("td", { text: m.source }),
      el("td", { text: m.error ? m.error : [m.architecture, m.dtype, m.quantization && (m.quantization.type || m.quantization.method)]
        .filter(Boolean).join(" ") }),
      el("td", { text: Dash.count(m.parameters) }),
      el("td", { text: loadedDirs.has(m.path) || loadedDirs.has(m.name) ? "yes" : "no" }),
      el("td", {}, m.error ? "" : await memoryByMethod(m.name)))));
    document.querySelector("#models-table tbody").replaceChildren(...rows);
    document.querySelector("#adapters-table tbody").replaceChildren(...adapters.map((a) => {
      const id = `merge-${a.name}`;
      const actions = a.loaded
        ? [el("button", { type: "button", text: "Unload", "aria-label": `unload ${a.name}`,
            onclick: () => act("unload_adapter", { name: a.loaded_as || a.name }, (r) => `Unloaded ${r.name}.`) })]
        : [el("button", { type: "button", text: "Load", "aria-label": `load ${a.name}`,
            onclick: () => act("load_adapter", { adapter: a.name }, (r) => `Loaded ${r.name} on ${r.base_model}.`) })];
      const out = el("input", { id, value: `${a.name}-merged`, pattern: "[A-Za-z0-9._\\-]+" });
      actions.push(el("span", { class: "merge" }, el("label", { for: id, text: "merged name" }), out,
        el("button", { type: "button", text: "Merge", "aria-label": `merge ${a.name}`,
          onclick: () => act("merge_adapter", { adapter: a.name, output: out.value.trim() }, (r) => `Merged into ${r.name} (${r.path}).`) })));
      const config = [a.peft_type, a.r ? `r=${a.r}` : "", a.use_dora ? "DoRA" : ""].filter(Boolean).join(" ");
      return el("tr", {},
        el("td", {}, el("strong", { text: a.name }), el("div", { class: "muted", text: a.path })),
        el("td", { text: a.base_model || "" }),
        el("td", {}, config, adapterConfig(a.name)),
        el("td", { text: a.loaded ? `yes${a.loaded_as && a.loaded_as !== a.name ? ` (as ${a.loaded_as})` : ""}` : "no" }),
        el("td", { class: "actions" }, ...actions));
    }));
  }

  Dash.view("models", { section: "view-models", enter: refresh });
})();
