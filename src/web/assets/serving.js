// The serving panel: GET /metrics (the Prometheus text the OpenAI API exports) every 2 s, read as
// requests running and waiting, tokens/s (the generated-token counter's rate between two reads),
// KV-cache blocks in use, adapters loaded, and running / finished requests per adapter.
"use strict";

(() => {
  const { el } = Dash;
  let timer = null;
  let previous = null;  // {time, tokens: model -> generated tokens}

  // "name{a="x",b="y"} value" lines -> [{name, labels, value}]
  function parse(text) {
    const out = [];
    for (const line of text.split("\n")) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line.trim());
      if (!m) continue;
      const labels = {};
      for (const l of (m[2] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
      out.push({ name: m[1], labels, value: Number(m[3]) });
    }
    return out;
  }

  async function refresh() {
    try {
      const res = await fetch("/metrics");
      if (!res.ok) throw new Error(`/metrics: ${res.status}`);
      const samples = parse(await res.text());
      const now = performance.now();
      const by = {};
      for (const s of samples) {
        if (!s.labels.model) continue;
        (by[s.labels.model] ??= { adapters: {} });
        if (s.labels.adapter !== undefined) {
          const a = (by[s.labels.model].adapters[s.labels.adapter] ??= {});
          a[s.name] = s.value;
        } else {
          by[s.labels.model][s.name] = s.value;
        }
      }
      const tokens = {};
      const rows = Object.entries(by).map(([model, m]) => {
        tokens[model] = m.llmcp_generation_tokens_total || 0;
        let rate = "";
        if (previous && previous.tokens[model] !== undefined && now > previous.time)
          rate = ((tokens[model] - previous.tokens[model]) / ((now - previous.time) / 1000)).toFixed(1);
        const used = m.llmcp_kv_cache_blocks_used || 0, total = m.llmcp_kv_cache_blocks_total || 0;
        return el("tr", {},
          el("td", { text: model }), el("td", { text: m.llmcp_requests_running ?? 0 }), el("td", { text: m.llmcp_requests_waiting ?? 0 }),
          el("td", { text: rate }),
          el("td", {}, el("meter", { min: 0, max: total || 1, value: used, "aria-label": `KV cache of ${model}` }),
            ` ${used} / ${total} blocks`),
          el("td", { text: `${m.llmcp_lora_adapters_loaded ?? 0}${m.llmcp_lora_adapters_max ? ` of ${m.llmcp_lora_adapters_max}` : ""}` }));
      });
      previous = { time: now, tokens };
      document.querySelector("#serving-table tbody").replaceChildren(...rows);
      document.querySelector("#serving-adapters tbody").replaceChildren(...Object.entries(by).flatMap(([model, m]) =>
        Object.entries(m.adapters).map(([adapter, a]) => el("tr", {},
          el("td", { text: model }), el("td", { text: adapter || "(base)" }),
          el("td", { text: a.llmcp_adapter_requests_running ?? 0 }), el("td", { text: a.llmcp_adapter_requests_total ?? 0 })))));
      document.getElementById("serving-empty").hidden = rows.length > 0;
      Dash.showError(null);
    } catch (e) {
      Dash.showError(e);
    }
  }

  Dash.view("serving", {
    section: "view-serving",
    enter() {
      previous = null;
      refresh();
      timer = setInterval(refresh, 2000);
    },
    leave() { clearInterval(timer); },
  });
})();
