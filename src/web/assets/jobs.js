// The jobs table (list_jobs every 2 s, a loss sparkline from each job's metrics resource) and a
// job's page: live curves fed by GET /ui/jobs/<id>/events (server-sent events as metrics.jsonl
// grows), the log's end, the resolved config, the checkpoints, and cancel / resume buttons
// (cancel_job, resume_job).
"use strict";

(() => {
  const { el } = Dash;
  // job id -> {step, time, values}: a sparkline is read again when its step moved, at most every 10 s
  // (a long run's metrics.jsonl is megabytes).
  const losses = {};
  let timer = null;

  function parseMetrics(text) {
    return text.split("\n").filter((l) => l.trim()).map((l) => { try { return JSON.parse(l); } catch { return {}; } });
  }

  async function sparkFor(job) {
    const seen = losses[job.job_id];
    if (seen && (seen.step === job.step || (Date.now() - seen.time < 10000 && job.status === "running"))) return seen.values;
    const values = parseMetrics(await Dash.read(`llmcp://jobs/${job.job_id}/metrics`))
      .filter((m) => typeof m.loss === "number").map((m) => m.loss);
    losses[job.job_id] = { step: job.step, time: Date.now(), values };
    return values;
  }

  async function refreshJobs() {
    try {
      const { jobs = [] } = await Dash.call("list_jobs");
      const rows = await Promise.all(jobs.slice().reverse().map(async (j) => {
        const progress = j.total_steps ? el("progress", { max: j.total_steps, value: j.step || 0,
          "aria-label": `${j.name}: step ${j.step || 0} of ${j.total_steps}` }) : "";
        return el("tr", {},
          el("td", {}, el("a", { href: `#job/${j.job_id}`, text: j.name || j.job_id }), el("div", { class: "muted", text: j.job_id })),
          el("td", { class: `status-${j.status}`, text: j.status }),
          el("td", {}, progress, j.total_steps ? ` ${j.step || 0} / ${j.total_steps}` : ""),
          el("td", { text: Dash.duration(j.eta_seconds) }),
          el("td", { text: j.tokens_per_second ? Math.round(j.tokens_per_second) : "" }),
          el("td", { text: Dash.bytes(j.peak_gpu_allocated_bytes ?? j.peak_memory_bytes) }),
          el("td", { text: typeof j.loss === "number" ? j.loss.toFixed(4) : "" }),
          el("td", {}, Dash.sparkline(await sparkFor(j), `loss curve of ${j.name}`)));
      }));
      document.querySelector("#jobs-table tbody").replaceChildren(...rows);
      document.getElementById("jobs-empty").hidden = jobs.length > 0;
      Dash.showError(null);
    } catch (e) {
      Dash.showError(e);
    }
  }

  Dash.view("jobs", {
    section: "view-jobs",
    enter() {
      refreshJobs();
      timer = setInterval(refreshJobs, 2000);
    },
    leave() { clearInterval(timer); },
  });

  // ---- a job's page ----
  const CHARTS = [
    { title: "Loss", series: [["loss", "training loss"], ["eval_loss", "eval loss"]] },
    { title: "Learning rate", series: [["lr", "learning rate"]] },
    { title: "Gradient norm", series: [["grad_norm", "gradient norm"]] },
    { title: "Tokens/s", series: [["tokens_per_second", "tokens/s"]] },
    { title: "Router aux loss (MoE)", series: [["router_aux_loss", "router aux loss"]], optional: true },
    { title: "Mask overlap (sparse)", series: [["mask_overlap", "mask overlap"]], optional: true },
  ];
  const COLORS = ["#1f6fd1", "#d1561f"];
  let source = null, jobId = null, charts = [], points = [];

  function chartWidth() {
    const box = document.getElementById("job-charts");
    return Math.max(260, Math.min(560, box.clientWidth - 16));
  }

  function draw() {
    const box = document.getElementById("job-charts");
    for (const spec of CHARTS) {
      const keys = spec.series.map(([k]) => k);
      if (spec.optional && !points.some((p) => keys.some((k) => typeof p[k] === "number"))) continue;
      const steps = [...new Set(points.filter((p) => keys.some((k) => typeof p[k] === "number")).map((p) => p.step))]
        .sort((a, b) => a - b);
      const data = [steps, ...keys.map((k) => {
        const at = new Map(points.filter((p) => typeof p[k] === "number").map((p) => [p.step, p[k]]));
        return steps.map((s) => at.get(s) ?? null);
      })];
      let c = charts.find((x) => x.spec === spec);
      if (!c) {
        const figure = el("figure", { class: "chart", "data-chart": spec.title, "aria-label": spec.title });
        figure.append(el("figcaption", { text: spec.title }));
        box.append(figure);
        const plot = new uPlot({
          width: chartWidth(), height: 180,
          scales: { x: { time: false } },
          axes: [{ label: "step" }, {}],
          series: [{ label: "step" }, ...spec.series.map(([, label], i) => ({ label, stroke: COLORS[i], spanGaps: true, points: { show: steps.length < 40 } }))],
        }, data, figure);
        c = { spec, plot, figure };
        charts.push(c);
      } else {
        c.plot.setData(data);
      }
      c.figure.dataset.points = String(steps.length);
    }
  }

  function showJob(job) {
    document.getElementById("job-title").textContent = `Job ${job.name || job.job_id}`;
    const parts = [`${job.job_id}: ${job.status}`];
    if (job.total_steps) parts.push(`step ${job.step} of ${job.total_steps}`);
    if (typeof job.loss === "number") parts.push(`loss ${job.loss.toFixed(4)}`);
    if (typeof job.eval_loss === "number") parts.push(`eval loss ${job.eval_loss.toFixed(4)}`);
    if (job.eta_seconds) parts.push(`ETA ${Dash.duration(job.eta_seconds)}`);
    if (job.tokens_per_second) parts.push(`${Math.round(job.tokens_per_second)} tokens/s`);
    if (job.peak_memory_bytes) parts.push(`peak memory ${Dash.bytes(job.peak_memory_bytes)}`);
    if (job.error) parts.push(job.error);
    const summary = document.getElementById("job-summary");
    summary.textContent = parts.join(" · ");
    summary.dataset.status = job.status;
    document.getElementById("job-cancel").disabled = !(job.status === "running" || job.status === "queued");
    document.getElementById("job-resume").disabled = !job.resumable;
    document.getElementById("job-config").textContent = JSON.stringify(job.config || {}, null, 2);
    document.getElementById("job-checkpoints").replaceChildren(
      ...(job.checkpoints || []).map((c) => el("li", { text: `${c.folder} (step ${c.step})` })),
      ...((job.checkpoints || []).length ? [] : [el("li", { text: "none yet" })]));
  }

  // A new stream sends every line again (the browser's own reconnects resume after the last id).
  function follow() {
    if (source) source.close();
    points = [];
    source = new EventSource(`/ui/jobs/${encodeURIComponent(jobId)}/events`);
    source.addEventListener("metric", (e) => { points.push(JSON.parse(e.data)); draw(); });
    source.addEventListener("reset", () => { points = []; draw(); });
    source.addEventListener("job", (e) => showJob(JSON.parse(e.data)));
    source.addEventListener("log", (e) => {
      const pre = document.getElementById("job-log");
      pre.textContent = JSON.parse(e.data).split("\n").slice(-80).join("\n");
    });
    source.addEventListener("end", () => source.close());
  }

  async function act(tool) {
    const buttons = [document.getElementById("job-cancel"), document.getElementById("job-resume")];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      showJob(await Dash.call(tool, { job_id: jobId }));
      follow();
    } catch (e) {
      Dash.showError(e);
    }
  }
  document.getElementById("job-cancel").addEventListener("click", () => act("cancel_job"));
  document.getElementById("job-resume").addEventListener("click", () => act("resume_job"));

  Dash.view("job", {
    section: "view-job",
    async enter(id) {
      jobId = id;
      charts = [];
      document.getElementById("job-charts").replaceChildren();
      document.getElementById("job-log").textContent = "";
      showJob(JSON.parse(await Dash.read(`llmcp://jobs/${id}`) || "{}"));
      follow();
    },
    leave() {
      if (source) source.close();
      source = null;
    },
  });
})();
