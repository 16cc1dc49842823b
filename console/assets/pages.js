// The pages that show state. Every list is one page of the API's list
// (limit PAGE) with links to the pages before and after it: nothing is
// ever loaded whole.
import * as api from "./api.js";
import { h, time, json, dl, table, status, metadata } from "./dom.js";

export const PAGE = 20;

const enc = encodeURIComponent;

// listQuery returns the API query of a page: limit, order and the
// after/before cursor of the console's own query.
function listQuery(query, order) {
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (order) q.set("order", order);
  for (const k of ["after", "before"]) if (query.get(k)) q.set(k, query.get(k));
  return q.toString();
}

// pager links the pages around the list page l, shown for query, at the
// console route base.
function pager(base, l, query, label) {
  const links = [];
  const backward = !!query.get("before");
  const hasPrev = backward ? l.has_more : !!query.get("after");
  const hasNext = backward ? true : l.has_more;
  if (hasPrev && l.first_id) links.push(h("a", { href: `#${base}?before=${enc(l.first_id)}`, rel: "prev" }, "Previous page"));
  if (hasNext && l.last_id) links.push(h("a", { href: `#${base}?after=${enc(l.last_id)}`, rel: "next" }, "Next page"));
  if (backward || query.get("after")) links.push(h("a", { href: `#${base}` }, "First page"));
  if (links.length === 0) return null;
  return h("nav", { class: "pager", "aria-label": label + " pages" }, links);
}

export function errorBox(err) {
  return h("div", { class: "error", role: "alert" }, err.message || String(err));
}

function empty(what) { return h("p", { class: "muted" }, "No " + what + "."); }

// downloadButton fetches a file's content with the key and saves it.
export function downloadButton(id, filename) {
  return h("button", {
    type: "button", class: "small",
    "aria-label": "Download " + (filename || id),
    onclick: async (ev) => {
      const b = ev.currentTarget;
      b.disabled = true;
      try {
        const blob = await api.blob(`/v1/files/${enc(id)}/content`);
        const url = URL.createObjectURL(blob);
        const a = h("a", { href: url, download: filename || id, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      } catch (e) {
        b.after(errorBox(e));
      } finally {
        b.disabled = false;
      }
    },
  }, "Download");
}

// ---- assistants

export async function assistants(_, query) {
  const l = await api.get("/v1/assistants?" + listQuery(query));
  return [
    h("h1", {}, "Assistants"),
    l.data.length === 0 ? empty("assistants") : table("Assistants, newest first", ["Name", "ID", "Model", "Tools", "Created"],
      l.data.map(a => [h("a", { href: "#/assistants/" + a.id }, a.name || a.id), h("code", {}, a.id), a.model,
        (a.tools || []).map(t => t.type === "function" ? "function " + t.function.name : t.type).join(", ") || "—", time(a.created_at)])),
    pager("/assistants", l, query, "Assistants"),
  ];
}

function toolView(t) {
  if (t.type === "function") {
    const f = t.function;
    return h("li", {}, h("strong", {}, "function " + f.name), f.description ? " — " + f.description : "",
      f.parameters ? h("details", {}, h("summary", {}, "Parameters"), json(f.parameters)) : null);
  }
  return h("li", {}, h("strong", {}, t.type), t.file_search ? json(t.file_search) : null);
}

function resourcesView(r) {
  if (!r) return null;
  const items = [];
  if (r.code_interpreter) items.push(h("li", {}, "code_interpreter files: ", fileIDs(r.code_interpreter.file_ids)));
  if (r.file_search) items.push(h("li", {}, "file_search vector stores: ",
    (r.file_search.vector_store_ids || []).map(id => h("a", { href: "#/vector_stores/" + id }, id)).reduce(comma, []) ));
  return items.length ? h("ul", {}, items) : null;
}

function comma(acc, el) { if (acc.length) acc.push(", "); acc.push(el); return acc; }

function fileIDs(ids) {
  if (!ids || ids.length === 0) return "none";
  return ids.map(id => h("span", {}, h("code", {}, id), " ", downloadButton(id))).reduce(comma, []);
}

export async function assistant([id]) {
  const a = await api.get("/v1/assistants/" + enc(id));
  return [
    h("p", { class: "crumbs" }, h("a", { href: "#/assistants" }, "Assistants"), " / ", id),
    h("h1", {}, a.name || a.id),
    dl([["ID", h("code", {}, a.id)], ["Model", a.model], ["Created", time(a.created_at)], ["Description", a.description],
      ["Temperature", a.temperature], ["Top p", a.top_p],
      ["Response format", typeof a.response_format === "string" ? a.response_format : json(a.response_format)]]),
    h("h2", {}, "Instructions"), h("p", { class: "pre" }, a.instructions || "none"),
    h("h2", {}, "Tools"), (a.tools || []).length ? h("ul", { class: "tools" }, a.tools.map(toolView)) : empty("tools"),
    h("h2", {}, "Tool resources"), resourcesView(a.tool_resources) || empty("tool resources"),
    h("h2", {}, "Metadata"), metadata(a.metadata) || empty("metadata"),
    h("p", {}, h("a", { href: "#/playground?assistant=" + enc(a.id) }, "Try it in the playground")),
  ];
}

// ---- threads

export async function threads(_, query) {
  const l = await api.get("/v1/threads?" + listQuery(query));
  return [
    h("h1", {}, "Threads"),
    l.data.length === 0 ? empty("threads") : table("Threads, newest first", ["Thread", "Created", "Metadata"],
      l.data.map(t => [h("a", { href: "#/threads/" + t.id }, t.id), time(t.created_at),
        t.metadata && Object.keys(t.metadata).length ? Object.entries(t.metadata).map(([k, v]) => k + ": " + v).join("; ") : "—"])),
    pager("/threads", l, query, "Threads"),
  ];
}

function imageFile(fileID, detail) {
  const img = h("img", { alt: "Image file " + fileID, class: "thumb" });
  api.blob(`/v1/files/${enc(fileID)}/content`).then(b => { img.src = URL.createObjectURL(b); })
    .catch(e => img.replaceWith(errorBox(e)));
  return h("figure", {}, img, h("figcaption", {}, "image file ", h("code", {}, fileID), detail ? " (detail " + detail + ")" : "", " ", downloadButton(fileID)));
}

function annotationView(a) {
  const ref = a.file_citation || a.file_path || {};
  return h("li", {}, h("strong", {}, a.type), " “", a.text, "” at ", a.start_index, "–", a.end_index,
    ref.file_id ? [" file ", h("code", {}, ref.file_id), " ", downloadButton(ref.file_id)] : null,
    ref.quote ? [" quote: ", ref.quote] : null);
}

export function contentView(c) {
  switch (c.type) {
    case "text":
      return h("div", { class: "part" }, h("p", { class: "pre text" }, c.text.value),
        (c.text.annotations || []).length ? h("div", {}, h("p", { class: "muted" }, "Annotations"), h("ul", { class: "annotations" }, c.text.annotations.map(annotationView))) : null);
    case "image_file":
      return h("div", { class: "part" }, imageFile(c.image_file.file_id, c.image_file.detail));
    case "image_url":
      return h("div", { class: "part" }, "Image at ", h("a", { href: c.image_url.url, rel: "noreferrer noopener", target: "_blank" }, c.image_url.url),
        c.image_url.detail ? " (detail " + c.image_url.detail + ")" : "");
    case "refusal":
      return h("div", { class: "part refusal" }, "Refusal: ", c.refusal);
    default:
      return h("div", { class: "part" }, json(c));
  }
}

function messageView(m) {
  return h("article", { class: "message role-" + m.role, "aria-label": m.role + " message " + m.id },
    h("header", {}, h("strong", {}, m.role), " ", time(m.created_at), " ", h("code", {}, m.id),
      m.run_id ? [" run ", h("a", { href: `#/threads/${m.thread_id}/runs/${m.run_id}` }, m.run_id)] : null,
      m.status && m.status !== "completed" ? [" ", status(m.status)] : null),
    (m.content || []).map(contentView),
    (m.attachments || []).length ? h("div", { class: "attachments" }, h("p", { class: "muted" }, "Attachments"),
      h("ul", {}, m.attachments.map(a => h("li", {}, h("code", {}, a.file_id), " for ", (a.tools || []).map(t => t.type).join(", ") || "no tool", " ", downloadButton(a.file_id))))) : null,
    metadata(m.metadata));
}

function runsTable(thread, runs, caption) {
  return table(caption, ["Run", "Status", "Assistant", "Created", "Tokens"],
    runs.map(r => [h("a", { href: `#/threads/${thread}/runs/${r.id}` }, r.id), status(r.status),
      h("a", { href: "#/assistants/" + r.assistant_id }, r.assistant_id), time(r.created_at), r.usage ? r.usage.total_tokens : "—"]));
}

export async function thread([id], query) {
  const [t, msgs, runs] = await Promise.all([
    api.get("/v1/threads/" + enc(id)),
    api.get(`/v1/threads/${enc(id)}/messages?` + listQuery(query, "asc")),
    api.get(`/v1/threads/${enc(id)}/runs?limit=5`),
  ]);
  return [
    h("p", { class: "crumbs" }, h("a", { href: "#/threads" }, "Threads"), " / ", id),
    h("h1", {}, "Thread " + t.id),
    dl([["Created", time(t.created_at)], ["Tool resources", resourcesView(t.tool_resources)], ["Metadata", metadata(t.metadata)]]),
    h("section", { "aria-labelledby": "runs-h" },
      h("h2", { id: "runs-h" }, "Runs"),
      runs.data.length === 0 ? empty("runs") : runsTable(t.id, runs.data, "Newest runs"),
      runs.has_more ? h("p", {}, h("a", { href: `#/threads/${t.id}/runs` }, "All runs")) : null),
    h("section", { "aria-labelledby": "messages-h" },
      h("h2", { id: "messages-h" }, "Messages"),
      pager("/threads/" + t.id, msgs, query, "Messages"),
      msgs.data.length === 0 ? empty("messages") : h("div", { class: "messages" }, msgs.data.map(messageView)),
      pager("/threads/" + t.id, msgs, query, "Messages")),
  ];
}

export async function runs([id], query) {
  const l = await api.get(`/v1/threads/${enc(id)}/runs?` + listQuery(query));
  return [
    h("p", { class: "crumbs" }, h("a", { href: "#/threads" }, "Threads"), " / ", h("a", { href: "#/threads/" + id }, id), " / runs"),
    h("h1", {}, "Runs of " + id),
    l.data.length === 0 ? empty("runs") : runsTable(id, l.data, "Runs, newest first"),
    pager(`/threads/${id}/runs`, l, query, "Runs"),
  ];
}

// ---- a run's timeline

function toolCallView(tc) {
  if (tc.type === "function") {
    const f = tc.function;
    return h("li", { class: "toolcall" }, h("strong", {}, "function " + f.name), " ", h("code", {}, tc.id),
      h("p", { class: "muted" }, "Arguments"), h("pre", {}, f.arguments),
      h("p", { class: "muted" }, "Output"), f.output === null || f.output === undefined ? h("p", {}, "awaiting output") : h("pre", {}, f.output));
  }
  if (tc.type === "code_interpreter") {
    return h("li", { class: "toolcall" }, h("strong", {}, "code_interpreter"), " ", h("code", {}, tc.id),
      h("pre", {}, tc.code_interpreter.input), json(tc.code_interpreter.outputs));
  }
  return h("li", { class: "toolcall" }, h("strong", {}, tc.type), " ", h("code", {}, tc.id), json(tc[tc.type]));
}

function stepView(s, thread) {
  const d = s.step_details || {};
  return h("li", { class: "step" },
    h("p", {}, h("strong", {}, s.type === "tool_calls" ? "Tool calls" : "Message creation"), " ", status(s.status), " ", h("code", {}, s.id), " ", time(s.created_at)),
    d.message_creation ? h("p", {}, "Message ", h("code", {}, d.message_creation.message_id), " in ", h("a", { href: "#/threads/" + thread }, thread)) : null,
    d.tool_calls ? h("ol", { class: "toolcalls" }, d.tool_calls.map(toolCallView)) : null,
    s.usage ? h("p", { class: "muted" }, `Tokens: ${s.usage.prompt_tokens} prompt, ${s.usage.completion_tokens} completion`) : null,
    s.last_error ? h("p", { class: "error" }, `${s.last_error.code}: ${s.last_error.message}`) : null);
}

// timeline lists the run's and its steps' status changes by time.
function timeline(r, steps) {
  const ev = [];
  const add = (t, what, node) => { if (t !== null && t !== undefined) ev.push({ t, what, node }); };
  add(r.created_at, "run created", status("queued"));
  add(r.started_at, "run started", status("in_progress"));
  for (const s of steps) {
    const label = (s.type === "tool_calls" ? "tool calls step " : "message step ") + s.id;
    add(s.created_at, label + " created", status("in_progress"));
    add(s.completed_at, label, status("completed"));
    add(s.failed_at, label, status("failed"));
    add(s.cancelled_at, label, status("cancelled"));
    add(s.expired_at, label, status("expired"));
  }
  if (r.status === "requires_action") ev.push({ t: Infinity, what: "run waits for tool outputs", node: status("requires_action") });
  add(r.cancelled_at, "run cancelled", status("cancelled"));
  add(r.failed_at, "run failed", status("failed"));
  add(r.completed_at, "run " + (r.status === "incomplete" ? "incomplete" : "completed"), status(r.status === "incomplete" ? "incomplete" : "completed"));
  if (r.status === "expired") add(r.expires_at, "run expired", status("expired"));
  ev.sort((a, b) => a.t - b.t);
  return h("ol", { class: "timeline" }, ev.map(e => h("li", {}, e.t === Infinity ? h("span", { class: "muted" }, "now") : time(e.t), " ", e.node, " ", e.what)));
}

export async function run([thread, id], query) {
  const [r, steps] = await Promise.all([
    api.get(`/v1/threads/${enc(thread)}/runs/${enc(id)}`),
    api.get(`/v1/threads/${enc(thread)}/runs/${enc(id)}/steps?limit=100&order=asc` + (query.get("after") ? "&after=" + enc(query.get("after")) : "")),
  ]);
  const ra = r.required_action && r.required_action.submit_tool_outputs;
  return [
    h("p", { class: "crumbs" }, h("a", { href: "#/threads" }, "Threads"), " / ", h("a", { href: "#/threads/" + thread }, thread), " / ", id),
    h("h1", {}, "Run " + r.id),
    dl([["Status", status(r.status)], ["Assistant", h("a", { href: "#/assistants/" + r.assistant_id }, r.assistant_id)], ["Model", r.model],
      ["Usage", r.usage ? `${r.usage.prompt_tokens} prompt + ${r.usage.completion_tokens} completion = ${r.usage.total_tokens} tokens` : "—"],
      ["Last error", r.last_error ? h("span", { class: "error" }, `${r.last_error.code}: ${r.last_error.message}`) : "none"],
      ["Incomplete", r.incomplete_details ? r.incomplete_details.reason : null],
      ["Expires", r.expires_at ? time(r.expires_at) : null]]),
    h("h2", {}, "Timeline"), timeline(r, steps.data),
    ra ? [h("h2", {}, "Waiting for tool outputs"), h("ol", { class: "toolcalls" }, ra.tool_calls.map(toolCallView))] : null,
    h("h2", {}, "Steps"),
    steps.data.length === 0 ? empty("steps") : h("ol", { class: "steps" }, steps.data.map(s => stepView(s, thread))),
    steps.has_more ? h("p", {}, h("a", { href: `#/threads/${thread}/runs/${id}?after=${enc(steps.last_id)}`, rel: "next" }, "More steps")) : null,
    h("details", {}, h("summary", {}, "Instructions and tools"), h("p", { class: "pre" }, r.instructions || ""), h("ul", { class: "tools" }, (r.tools || []).map(toolView))),
  ];
}

// ---- files

function size(n) {
  if (n < 1024) return n + " B";
  if (n < 1 << 20) return (n / 1024).toFixed(1) + " KiB";
  return (n / (1 << 20)).toFixed(1) + " MiB";
}

export async function files(_, query) {
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (query.get("after")) q.set("after", query.get("after"));
  const l = await api.get("/v1/files?" + q);
  const next = l.has_more && l.last_id;
  return [
    h("h1", {}, "Files"),
    l.data.length === 0 ? empty("files") : table("Files, newest first", ["Name", "ID", "Purpose", "Size", "Created", ""],
      l.data.map(f => [f.filename, h("code", {}, f.id), f.purpose, size(f.bytes), time(f.created_at), downloadButton(f.id, f.filename)])),
    next || query.get("after") ? h("nav", { class: "pager", "aria-label": "Files pages" },
      next ? h("a", { href: "#/files?after=" + enc(l.last_id), rel: "next" }, "Next page") : null,
      query.get("after") ? h("a", { href: "#/files" }, "First page") : null) : null,
  ];
}

// ---- vector stores: shown once the server has the endpoints.

// orNotAvailable reads path, or returns null when the server has no
// such endpoint: a 405, or a 404 that names no missing object (the API's
// "Invalid URL" answer).
async function orNotAvailable(path) {
  try {
    return await api.get(path);
  } catch (e) {
    if (e.status === 405 || (e.status === 404 && /^Invalid URL/.test(e.message))) return null;
    throw e;
  }
}

function notAvailable() {
  return h("p", { class: "notice", role: "status" }, "Vector stores are not available on this server.");
}

export async function vectorStores(_, query) {
  const l = await orNotAvailable("/v1/vector_stores?" + listQuery(query));
  if (!l) return [h("h1", {}, "Vector stores"), notAvailable()];
  return [
    h("h1", {}, "Vector stores"),
    l.data.length === 0 ? empty("vector stores") : table("Vector stores, newest first", ["Name", "ID", "Status", "Files", "Created"],
      l.data.map(v => [h("a", { href: "#/vector_stores/" + v.id }, v.name || v.id), h("code", {}, v.id), status(v.status),
        v.file_counts ? `${v.file_counts.completed} completed, ${v.file_counts.in_progress} in progress, ${v.file_counts.failed} failed` : "—",
        time(v.created_at)])),
    pager("/vector_stores", l, query, "Vector stores"),
  ];
}

export async function vectorStore([id], query) {
  const [v, l] = await Promise.all([
    orNotAvailable("/v1/vector_stores/" + enc(id)),
    orNotAvailable(`/v1/vector_stores/${enc(id)}/files?` + listQuery(query)),
  ]);
  const crumbs = h("p", { class: "crumbs" }, h("a", { href: "#/vector_stores" }, "Vector stores"), " / ", id);
  if (!v) return [crumbs, h("h1", {}, "Vector store " + id), notAvailable()];
  return [
    crumbs,
    h("h1", {}, v.name || v.id),
    dl([["ID", h("code", {}, v.id)], ["Status", status(v.status)], ["Created", time(v.created_at)], ["Size", v.usage_bytes !== undefined ? size(v.usage_bytes) : null]]),
    h("h2", {}, "Files"),
    !l ? notAvailable() : l.data.length === 0 ? empty("files") : table("Files of the vector store", ["File", "Status", "Created", "Last error"],
      l.data.map(f => [h("code", {}, f.id), status(f.status), time(f.created_at), f.last_error ? `${f.last_error.code}: ${f.last_error.message}` : "—"])),
    l ? pager("/vector_stores/" + id, l, query, "Files") : null,
  ];
}
