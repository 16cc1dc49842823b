// The console: a hash router over the pages, and the login form.
import * as api from "./api.js";
import { h, append } from "./dom.js";
import * as pages from "./pages.js";
import { playground } from "./playground.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const logout = document.getElementById("logout");

// routes: [pattern, page]. A page gets (params, query) and returns the
// nodes of the page; its first h1 is the page's title.
const routes = [
  [/^\/?$/, () => { location.replace("#/threads"); return []; }],
  [/^\/assistants$/, pages.assistants],
  [/^\/assistants\/([\w-]+)$/, pages.assistant],
  [/^\/threads$/, pages.threads],
  [/^\/threads\/([\w-]+)$/, pages.thread],
  [/^\/threads\/([\w-]+)\/runs$/, pages.runs],
  [/^\/threads\/([\w-]+)\/runs\/([\w-]+)$/, pages.run],
  [/^\/files$/, pages.files],
  [/^\/vector_stores$/, pages.vectorStores],
  [/^\/vector_stores\/([\w-]+)$/, pages.vectorStore],
  [/^\/playground$/, playground],
];

let generation = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, q] = raw.split("?", 2);
  return { path, query: new URLSearchParams(q || "") };
}

function setNav(show) {
  nav.hidden = !show;
  logout.hidden = !show;
  const { path } = parseHash();
  for (const a of nav.querySelectorAll("a")) {
    const target = a.getAttribute("href").slice(1);
    if (path === target || path.startsWith(target + "/")) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

function show(nodes) {
  const page = document.createDocumentFragment();
  append(page, nodes);
  main.replaceChildren(page);
  main.removeAttribute("aria-busy");
  const h1 = main.querySelector("h1");
  if (h1) {
    h1.tabIndex = -1;
    document.title = h1.textContent + " · r2kit console";
    if (document.activeElement === document.body || main.contains(document.activeElement) || document.activeElement === null) h1.focus({ preventScroll: true });
  }
}

async function render() {
  const gen = ++generation;
  if (!api.loggedIn()) {
    setNav(false);
    show(loginForm());
    return;
  }
  setNav(true);
  const { path, query } = parseHash();
  main.setAttribute("aria-busy", "true");
  main.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading…"));
  for (const [re, page] of routes) {
    const m = path.match(re);
    if (!m) continue;
    try {
      const nodes = await page(m.slice(1), query);
      if (gen === generation) show(nodes);
    } catch (err) {
      if (gen !== generation) return;
      if (err instanceof api.APIError && err.status === 401) return; // the login form is shown
      show([h("h1", {}, "Error"), pages.errorBox(err)]);
    }
    return;
  }
  show([h("h1", {}, "Not found"), h("p", {}, "No console page is at " + path + ".")]);
}

let loginError = "";

function loginForm() {
  const input = h("input", { id: "key", name: "key", type: "password", autocomplete: "off", spellcheck: "false", "aria-describedby": "key-help" });
  const err = h("p", { id: "login-error", class: "error", role: "alert" }, loginError);
  const button = h("button", { type: "submit" }, "Log in");
  const form = h("form", {
    class: "login", "aria-labelledby": "login-title",
    onsubmit: async (ev) => {
      ev.preventDefault();
      button.disabled = true;
      err.textContent = "";
      try {
        await api.check(input.value.trim());
        api.setKey(input.value.trim());
        loginError = "";
        render();
      } catch (e) {
        err.textContent = e.status === 401 ? "That key was refused: " + e.message : "Cannot log in: " + e.message;
        button.disabled = false;
        input.focus();
      }
    },
  },
  h("h1", { id: "login-title" }, "Log in"),
  h("p", { id: "key-help" }, "Enter an API key of this server (one of those given to r2kit serve with --api-key or R2KIT_API_KEYS; leave it empty if the server has none). It is kept in this tab only and sent to the API in the Authorization header."),
  h("label", { for: "key" }, "API key"), input, button, err);
  setTimeout(() => input.focus(), 0);
  return [form];
}

api.setUnauthorizedHandler((e) => {
  api.clearKey();
  loginError = "Your key was refused: " + e.message;
  render();
});

logout.addEventListener("click", () => {
  api.clearKey();
  loginError = "";
  location.hash = "#/threads";
  render();
});

// The skip link moves the focus; it must not change the route.
document.getElementById("skip").addEventListener("click", (ev) => {
  ev.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", render);
render();
