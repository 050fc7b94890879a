// The dashboard's script: every action is an MCP tool call made through POST /ui/call.
"use strict";

async function call(tool, args = {}) {
  const res = await fetch("/ui/call", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ tool, arguments: args }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  if (body.error) throw new Error(body.error.message);
  const result = body.result || {};
  if (result.isError) throw new Error((result.content || []).map((c) => c.text).join(" "));
  return result.structuredContent || {};
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function refreshJobs() {
  const error = document.getElementById("jobs-error");
  try {
    const { jobs = [] } = await call("list_jobs");
    const body = document.querySelector("#jobs-table tbody");
    body.replaceChildren(...jobs.map((j) => {
      const tr = document.createElement("tr");
      tr.append(cell(j.job_id), cell(j.status),
                cell(j.total_steps ? `${j.step || 0} / ${j.total_steps}` : ""),
                cell(typeof j.loss === "number" ? j.loss.toFixed(4) : ""),
                cell(j.tokens_per_second ? Math.round(j.tokens_per_second) : ""));
      return tr;
    }));
    error.hidden = true;
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
}

refreshJobs();
setInterval(refreshJobs, 2000);
