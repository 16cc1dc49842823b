// The console's only way to the server: the /v1 API, with the key the
// user typed, sent in the Authorization header (never a cookie).

const KEY = "r2kit.apiKey";

export function getKey() { return sessionStorage.getItem(KEY); }
export function setKey(k) { sessionStorage.setItem(KEY, k); }
export function clearKey() { sessionStorage.removeItem(KEY); }
export function loggedIn() { return getKey() !== null; }

// APIError is a failed API call: status and the OpenAI error envelope.
export class APIError extends Error {
  constructor(status, envelope, path) {
    const e = (envelope && envelope.error) || {};
    super(e.message || `HTTP ${status} from ${path}`);
    this.status = status;
    this.code = e.code || null;
    this.type = e.type || null;
  }
}

// onUnauthorized is called when the server refuses the key.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

function headers(extra) {
  const h = { "OpenAI-Beta": "assistants=v2", ...extra };
  const k = getKey();
  if (k) h["Authorization"] = "Bearer " + k;
  return h;
}

async function send(method, path, body, key) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }), credentials: "omit", cache: "no-store" };
  if (key !== undefined) {
    if (key) init.headers["Authorization"] = "Bearer " + key; else delete init.headers["Authorization"];
  }
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  return res;
}

async function failure(res, path) {
  let env = null;
  try { env = await res.json(); } catch { /* not JSON */ }
  const err = new APIError(res.status, env, path);
  if (res.status === 401) onUnauthorized(err);
  return err;
}

// call makes a JSON API call and returns the decoded answer.
export async function call(method, path, body) {
  const res = await send(method, path, body);
  if (!res.ok) throw await failure(res, path);
  return res.json();
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body === undefined ? {} : body);

// check asks the server whether key is accepted (a one-item assistant
// listing); it throws the APIError of a refusal.
export async function check(key) {
  const res = await send("GET", "/v1/assistants?limit=1", undefined, key);
  if (!res.ok) {
    let env = null;
    try { env = await res.json(); } catch { /* not JSON */ }
    throw new APIError(res.status, env, "/v1/assistants");
  }
}

// blob downloads path (a file's content) as a Blob.
export async function blob(path) {
  const res = await send("GET", path);
  if (!res.ok) throw await failure(res, path);
  return res.blob();
}

// stream POSTs body to path asking for server-sent events, and calls
// onEvent(name, data) for each event as it arrives (data decoded from
// JSON when it is JSON). It resolves when the stream ends.
export async function stream(path, body, onEvent) {
  const res = await send("POST", path, { ...body, stream: true });
  if (!res.ok) throw await failure(res, path);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const raw = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let name = "message";
      const data = [];
      for (const line of raw.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      let d = data.join("\n");
      try { d = JSON.parse(d); } catch { /* [DONE] */ }
      onEvent(name, d);
    }
  }
}
