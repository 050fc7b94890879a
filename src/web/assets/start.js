// Start a run: a form built from start_training's input schema (the training config's key table:
// each key's type, range, choices, help and the methods that read it), the dataset checked with
// validate_dataset (the first example with its trained part marked), the planner's estimate
// (estimate_memory) and the recommender's suggestion (recommend_config) beside it, then
// start_training, whose errors name the key to fix.
"use strict";

(() => {
  const { el } = Dash;
  const BUILT_IN = ["tool_calls_train.jsonl", "tool_calls_eval.jsonl", "chat.jsonl", "instruction.jsonl", "text.jsonl"];
  const FIXED = new Set(["model", "dataset", "method", "output_dir"]);  // fields of their own
  // Shown open for every method; the rest of the shared keys sit under "More training keys".
  const COMMON = ["max_steps", "epochs", "learning_rate", "batch_size", "gradient_accumulation_steps", "seq_len",
                  "save_steps", "eval_steps", "logging_steps", "seed"];
  let keys = null;  // name -> {type, description, methods, enum, minimum, maximum, ...}

  function methodsOf(p) {
    const m = /\(methods: ([^)]*)\)$/.exec(p.description || "");
    return m ? m[1].split(",").map((s) => s.trim()) : ["all"];
  }

  function help(p) { return (p.description || "").replace(/ \(methods: [^)]*\)$/, ""); }

  async function loadSchema() {
    if (keys) return;
    const { tools = [] } = await Dash.rpc("tools/list", {});
    const start = tools.find((t) => t.name === "start_training");
    keys = start.inputSchema.properties.config.properties;
    const method = document.getElementById("start-method");
    method.replaceChildren(...keys.method.enum.map((m) => el("option", { value: m, text: m })));
    method.value = "lora";
  }

  function field(name, p) {
    const id = `key-${name}`;
    const label = el("label", { for: id, text: name, title: help(p) });
    const hint = el("small", { id: `${id}-help`, class: "muted", text: help(p) });
    let input;
    const type = Array.isArray(p.type) ? p.type[0] : p.type;
    if (p.enum) {
      input = el("select", { id }, el("option", { value: "", text: "(default)" }),
        ...p.enum.map((v) => el("option", { value: v, text: v })));
    } else if (type === "boolean") {
      input = el("select", { id }, el("option", { value: "", text: "(default)" }),
        el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }));
    } else if (type === "integer" || type === "number") {
      input = el("input", { id, type: "number", step: type === "integer" ? "1" : "any",
        min: p.minimum ?? p.exclusiveMinimum, max: p.maximum ?? p.exclusiveMaximum, placeholder: "default" });
    } else {
      input = el("input", { id, placeholder: type === "array" ? "a, b, c  or  JSON" : type ? "default" : "JSON" });
    }
    input.dataset.key = name;
    input.dataset.type = type || "any";
    input.setAttribute("aria-describedby", hint.id);
    return el("div", { class: "field" }, label, input, hint);
  }

  function renderKeys() {
    const method = document.getElementById("start-method").value;
    const box = document.getElementById("start-keys");
    const kept = collect();  // values survive a change of method where the key still applies
    const applies = (n) => !FIXED.has(n) && !help(keys[n]).startsWith("alias of") &&
      methodsOf(keys[n]).some((m) => m === "all" || m === method);
    const own = Object.keys(keys).filter((n) => applies(n) && !methodsOf(keys[n]).includes("all"));
    const more = Object.keys(keys).filter((n) => applies(n) && methodsOf(keys[n]).includes("all") && !COMMON.includes(n));
    box.replaceChildren(el("legend", { text: `Keys (${method})` }),
      ...COMMON.filter((n) => keys[n]).map((n) => field(n, keys[n])),
      ...own.map((n) => field(n, keys[n])),
      el("details", {}, el("summary", { text: "More training keys" }), ...more.map((n) => field(n, keys[n]))));
    for (const [k, v] of Object.entries(kept)) set(k, v);
  }

  function parseValue(input) {
    const v = input.value.trim();
    switch (input.dataset.type) {
      case "integer": return parseInt(v, 10);
      case "number": return parseFloat(v);
      case "boolean": return v === "true";
      case "string": return v;
      case "array": return v.startsWith("[") ? JSON.parse(v) : v.split(",").map((s) => s.trim()).filter(Boolean);
      default:
        try { return JSON.parse(v); } catch { return v; }
    }
  }

  // The form as a training config: only the keys given (the rest take the trainer's defaults).
  function collect() {
    const config = {};
    for (const input of document.querySelectorAll("#start-keys [data-key]")) {
      if (input.value.trim() === "") continue;
      try {
        config[input.dataset.key] = parseValue(input);
      } catch {
        throw new Error(`${input.dataset.key}: not valid JSON`);
      }
    }
    return config;
  }

  function set(key, value) {
    const input = document.querySelector(`#start-keys [data-key="${key}"]`);
    if (!input) return;
    input.value = Array.isArray(value) ? value.join(", ") : typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function fullConfig() {
    return { ...collect(), model: document.getElementById("start-model").value,
             dataset: document.getElementById("start-dataset").value.trim(),
             method: document.getElementById("start-method").value };
  }

  function status(text) { document.getElementById("start-status").textContent = text; }

  // Each check shows only its latest answer (an older one that comes back late is dropped).
  const latest = { validate: 0, plan: 0 };

  async function validate() {
    const box = document.getElementById("start-dataset-report");
    const mine = ++latest.validate;
    box.replaceChildren(el("p", { text: "Checking…" }));
    try {
      const c = fullConfig();
      const args = { dataset: c.dataset, model: c.model };
      if (c.seq_len) args.seq_len = c.seq_len;
      const r = await Dash.call("validate_dataset", args);
      if (mine !== latest.validate) return;
      const example = el("pre", { class: "example", tabindex: "0", "aria-label": "first example; the trained part is highlighted" });
      // ⟦ ⟧ mark what the loss trains on.
      for (const [i, part] of (r.example?.marked || "").split(/[⟦⟧]/).entries())
        example.append(i % 2 ? el("mark", { text: part }) : document.createTextNode(part));
      box.replaceChildren(
        el("p", { text: `${r.format} records: ${r.used} usable of ${r.lines} lines, ${r.skipped} bad; ` +
          `tokens ${r.tokens.min}–${r.tokens.max} (mean ${Math.round(r.tokens.mean)}), ${r.tokens.targets} trained.` }),
        ...(r.errors || []).slice(0, 10).map((e) => el("p", { class: "error", text: `line ${e.line}: ${e.reason}` })),
        el("p", { text: "First example (trained part highlighted):" }), example);
    } catch (e) {
      if (mine === latest.validate) box.replaceChildren(el("p", { class: "error", text: e.message }));
    }
  }

  async function plan() {
    const mine = ++latest.plan;
    const est = document.getElementById("start-estimate");
    const rec = document.getElementById("start-recommend");
    est.replaceChildren(el("p", { text: "Estimating…" }));
    rec.replaceChildren(el("p", { text: "Asking the recommender…" }));
    const c = fullConfig();
    try {
      const { model, dataset, ...config } = c;
      const r = await Dash.call("estimate_memory", { model, config });
      if (mine !== latest.plan) return;
      est.replaceChildren(
        el("p", { class: r.fits ? "ok" : "error",
          text: `${Dash.bytes(r.total_bytes)} of ${Dash.bytes(r.available_bytes)}: ${r.fits ? "fits" : "does not fit"}` }),
        el("ul", {}, ...Object.entries(r.breakdown || {}).filter(([, v]) => typeof v === "number" && v > 0)
          .map(([k, v]) => el("li", { text: `${k.replace(/_/g, " ")}: ${Dash.bytes(v)}` }))),
        ...(r.advice || []).map((a) => el("p", { text: typeof a === "string" ? a : JSON.stringify(a) })));
    } catch (e) {
      if (mine === latest.plan) est.replaceChildren(el("p", { class: "error", text: e.message }));
    }
    try {
      const r = await Dash.call("recommend_config", { model: c.model, dataset: c.dataset });
      if (mine !== latest.plan) return;
      const apply = el("button", { type: "button", text: "Use this suggestion", onclick: () => {
        document.getElementById("start-method").value = r.config.method || "lora";
        renderKeys();
        for (const [k, v] of Object.entries(r.config)) if (!FIXED.has(k)) set(k, v);
        status("Suggestion applied; check it, then start.");
      } });
      rec.replaceChildren(el("ul", {}, ...(r.reasons || []).map((s) => el("li", { text: s }))),
        el("pre", { text: r.yaml, tabindex: "0" }), apply);
    } catch (e) {
      if (mine === latest.plan) rec.replaceChildren(el("p", { class: "error", text: e.message }));
    }
  }

  async function submit(ev) {
    ev.preventDefault();
    const button = document.getElementById("start-submit");
    button.disabled = true;
    status("Starting…");
    try {
      const args = { config: fullConfig() };
      const name = document.getElementById("start-name").value.trim();
      if (name) args.name = name;
      const job = await Dash.call("start_training", args);
      status(`Started ${job.job_id}.`);
      location.hash = `#job/${job.job_id}`;
    } catch (e) {
      status("");
      Dash.showError(e);
    } finally {
      button.disabled = false;
    }
  }

  // The checks run by themselves when the model or the dataset changes (and once on arrival).
  let pending = null;
  function recheck() {
    clearTimeout(pending);
    pending = setTimeout(() => { validate(); plan(); }, 400);
  }
  document.getElementById("start-model").addEventListener("change", recheck);
  document.getElementById("start-dataset").addEventListener("change", recheck);
  document.getElementById("start-method").addEventListener("change", () => {
    renderKeys();
    recheck();
  });
  document.getElementById("start-validate").addEventListener("click", validate);
  document.getElementById("start-plan").addEventListener("click", plan);
  document.getElementById("start-form").addEventListener("submit", submit);

  Dash.view("start", {
    section: "view-start",
    async enter() {
      await loadSchema();
      document.getElementById("start-datasets").replaceChildren(...BUILT_IN.map((d) => el("option", { value: d })));
      const models = document.getElementById("start-model");
      const chosen = models.value;
      const { models: list = [] } = await Dash.call("list_models");
      models.replaceChildren(...list.map((m) => el("option", { value: m.name, text: `${m.name} (${m.source})` })));
      if (chosen) models.value = chosen;
      if (!document.querySelector("#start-keys [data-key]")) {
        renderKeys();
        recheck();
      }
    },
  });
})();
