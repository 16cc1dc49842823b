// Small DOM helpers. Text from the server only ever goes in as text
// nodes or attribute values, never as HTML.

// h makes an element: h("a", {href: "#/x", class: "c"}, "text", child).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// time formats Unix seconds as "2026-01-02 15:04:05 UTC" in a <time>.
export function time(sec) {
  if (sec === null || sec === undefined) return h("span", { class: "muted" }, "—");
  const iso = new Date(sec * 1000).toISOString();
  return h("time", { datetime: iso }, iso.slice(0, 19).replace("T", " ") + " UTC");
}

// json shows a value as indented JSON.
export function json(v) {
  return h("pre", { class: "json" }, JSON.stringify(v, null, 2));
}

// dl is a definition list of [term, value] pairs; null values are left out.
export function dl(pairs) {
  return h("dl", { class: "props" }, pairs.filter(p => p && p[1] !== null && p[1] !== undefined && p[1] !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

// table makes a table with a caption, column heads and rows of cells,
// in a scrolling box for narrow screens.
export function table(caption, heads, rows) {
  return h("div", { class: "scroll", role: "region", "aria-label": caption, tabindex: "0" },
    h("table", {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, heads.map(x => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows.map(r => h("tr", {}, r.map(c => h("td", {}, c)))))));
}

// status is a run or step status badge.
export function status(s) { return h("span", { class: "status status-" + s }, s); }

export function metadata(m) {
  if (!m || Object.keys(m).length === 0) return null;
  return dl(Object.entries(m).map(([k, v]) => [k, v]));
}
