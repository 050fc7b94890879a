// The dashboard's shared parts: MCP requests through POST /ui/rpc (every action the page takes is
// an MCP tool call or resource read, as an assistant would make it), the views and the hash
// router (#jobs, #job/<id>, #start, #models, #playground, #serving), and formatting helpers.
"use strict";

const Dash = (() => {
  const views = {};
  let current = null;

  async function rpc(method, params) {
    const res = await fetch("/ui/rpc", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ method, params }),
    });
    if (res.status === 401) {
      location.reload();  // the login page
      throw new Error("log in again");
    }
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || res.statusText);
    if (body.error) throw new Error(body.error.message);
    return body.result || {};
  }

  // A tool's structured result; a tool error becomes an Error with the tool's message.
  async function call(tool, args = {}) {
    const result = await rpc("tools/call", { name: tool, arguments: args });
    if (result.isError) throw new Error((result.content || []).map((c) => c.text).join(" "));
    return result.structuredContent || {};
  }

  async function read(uri) {
    const result = await rpc("resources/read", { uri });
    return ((result.contents || [])[0] || {}).text || "";
  }

  function showError(e) {
    const p = document.getElementById("error");
    if (!e) {
      p.hidden = true;
      return;
    }
    p.textContent = e.message || String(e);
    p.hidden = false;
  }

  // A view: {section: id, enter(arg), leave()}; `name` is the hash's first part.
  function view(name, v) { views[name] = v; }

  function route() {
    const [name, ...rest] = (location.hash.slice(1) || "jobs").split("/");
    const v = views[name] || views.jobs;
    if (current && current.leave) current.leave();
    for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== v.section;
    for (const a of document.querySelectorAll("nav a"))
      a.setAttribute("aria-current", a.getAttribute("href") === "#" + name ? "page" : "false");
    showError(null);
    current = v;
    Promise.resolve(v.enter(decodeURIComponent(rest.join("/")))).catch(showError);
  }

  function start() {
    window.addEventListener("hashchange", route);
    route();
  }

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
    }
    e.append(...children);
    return e;
  }

  function bytes(n) {
    if (typeof n !== "number") return "";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
  }

  function duration(s) {
    if (typeof s !== "number" || !isFinite(s)) return "";
    s = Math.round(s);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  function count(n) {
    if (typeof n !== "number") return "";
    if (n >= 1e9) return (n / 1e9).toFixed(2) + " B";
    if (n >= 1e6) return (n / 1e6).toFixed(1) + " M";
    if (n >= 1e3) return (n / 1e3).toFixed(1) + " k";
    return String(n);
  }

  // A small inline SVG line of `values` (the jobs table's loss sparkline).
  function sparkline(values, label) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 100 24");
    svg.setAttribute("class", "spark");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    if (values.length > 1) {
      const lo = Math.min(...values), hi = Math.max(...values), span = hi - lo || 1;
      const pts = values.map((v, i) => `${(i / (values.length - 1)) * 100},${22 - ((v - lo) / span) * 20}`);
      const line = document.createElementNS(ns, "polyline");
      line.setAttribute("points", pts.join(" "));
      svg.append(line);
    }
    return svg;
  }

  return { rpc, call, read, view, start, showError, el, bytes, duration, count, sparkline };
})();
