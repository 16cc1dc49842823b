// The playground: pick an assistant, write a message, and watch the run
// stream in. Function calls stop the run (requires_action): the
// playground shows each call and asks for its output, then streams on.
import * as api from "./api.js";
import { h, status } from "./dom.js";
import { contentView, errorBox } from "./pages.js";

const enc = encodeURIComponent;

// The conversation survives moving to another page and back.
const state = { thread: null, assistant: null };

export async function playground(_, query) {
  const l = await api.get("/v1/assistants?limit=100");
  if (query.get("assistant")) state.assistant = query.get("assistant");
  const select = h("select", { id: "pg-assistant", name: "assistant", required: true },
    l.data.map(a => h("option", { value: a.id, selected: a.id === state.assistant }, (a.name || a.id) + " (" + a.model + ")")));
  const text = h("textarea", { id: "pg-message", name: "message", rows: "3", required: true });
  const send = h("button", { type: "submit" }, "Send");
  const transcript = h("div", { id: "pg-transcript", class: "transcript", "aria-live": "polite", "aria-label": "Conversation" });
  const line = h("p", { id: "pg-status", role: "status", class: "muted" }, state.thread ? "Thread " + state.thread : "A new thread starts with the first message.");
  const tools = h("div", { id: "pg-tools" });
  const bubbles = new Map(); // message id -> text node holder

  if (state.thread) {
    // Show the conversation so far (its last page).
    const msgs = await api.get(`/v1/threads/${enc(state.thread)}/messages?limit=20`);
    for (const m of msgs.data.reverse()) transcript.append(bubble(m));
  }

  function bubble(m) {
    const body = h("div", { class: "body" }, (m.content || []).map(contentView));
    const el = h("article", { class: "message role-" + m.role, "data-id": m.id }, h("header", {}, h("strong", {}, m.role)), body);
    bubbles.set(m.id, body);
    return el;
  }

  function onEvent(name, d) {
    switch (name) {
      case "thread.message.created":
        if (!bubbles.has(d.id)) transcript.append(bubble(d));
        break;
      case "thread.message.delta": {
        const body = bubbles.get(d.id);
        if (!body) break;
        for (const part of d.delta.content || []) {
          if (part.type !== "text" || !part.text || !part.text.value) continue;
          let p = body.querySelector("p.streaming");
          if (!p) { p = h("p", { class: "pre text streaming" }); body.append(p); }
          p.append(part.text.value);
        }
        break;
      }
      case "thread.message.completed": {
        const body = bubbles.get(d.id);
        if (body) body.replaceChildren(...(d.content || []).map(contentView));
        break;
      }
      case "thread.run.requires_action":
        setRun(d);
        askOutputs(d);
        break;
      case "error":
        tools.append(errorBox(new Error((d.error && d.error.message) || "stream error")));
        break;
      default:
        if (name.startsWith("thread.run.") && !name.startsWith("thread.run.step.")) setRun(d);
    }
  }

  function setRun(r) {
    line.replaceChildren("Run ", h("a", { href: `#/threads/${r.thread_id}/runs/${r.id}` }, r.id), " ", status(r.status),
      r.last_error ? h("span", { class: "error" }, " " + r.last_error.code + ": " + r.last_error.message) : "");
  }

  async function streamRun(path, body) {
    send.disabled = true;
    try {
      await api.stream(path, body, onEvent);
    } catch (e) {
      tools.append(errorBox(e));
    } finally {
      send.disabled = false;
    }
  }

  function askOutputs(r) {
    const calls = r.required_action.submit_tool_outputs.tool_calls;
    const fields = calls.map((c, i) => {
      const id = "pg-output-" + i;
      return h("div", { class: "toolcall" },
        h("p", {}, "The assistant calls ", h("strong", {}, c.function.name), " (", h("code", {}, c.id), ") with:"),
        h("pre", { class: "args" }, c.function.arguments),
        h("label", { for: id }, "Output of " + c.function.name),
        h("textarea", { id, name: c.id, rows: "2", required: true, class: "tool-output" }));
    });
    const submit = h("button", { type: "submit" }, "Submit tool outputs");
    const form = h("form", {
      class: "tool-outputs", "aria-label": "Tool outputs",
      onsubmit: async (ev) => {
        ev.preventDefault();
        submit.disabled = true;
        const outputs = calls.map((c, i) => ({ tool_call_id: c.id, output: form.querySelector("#pg-output-" + i).value }));
        form.remove();
        await streamRun(`/v1/threads/${enc(r.thread_id)}/runs/${enc(r.id)}/submit_tool_outputs`, { tool_outputs: outputs });
      },
    }, h("fieldset", {}, h("legend", {}, "Function calls waiting for output"), fields, submit));
    tools.replaceChildren(form);
    form.querySelector("textarea").focus();
  }

  const form = h("form", {
    class: "playground", "aria-label": "Send a message",
    onsubmit: async (ev) => {
      ev.preventDefault();
      const content = text.value;
      if (!content.trim()) return;
      state.assistant = select.value;
      tools.replaceChildren();
      send.disabled = true;
      try {
        if (!state.thread) state.thread = (await api.post("/v1/threads", {})).id;
        const m = await api.post(`/v1/threads/${enc(state.thread)}/messages`, { role: "user", content });
        transcript.append(bubble(m));
        text.value = "";
      } catch (e) {
        send.disabled = false;
        tools.append(errorBox(e));
        return;
      }
      await streamRun(`/v1/threads/${enc(state.thread)}/runs`, { assistant_id: state.assistant });
    },
  },
  h("label", { for: "pg-assistant" }, "Assistant"), select,
  h("label", { for: "pg-message" }, "Message"), text,
  h("div", { class: "buttons" }, send,
    h("button", { type: "button", class: "secondary", onclick: () => { state.thread = null; location.hash = "#/playground?new=" + Date.now(); } }, "New thread")));

  if (l.data.length === 0) {
    return [h("h1", {}, "Playground"), h("p", {}, "Create an assistant through the API first: the playground talks to one.")];
  }
  return [h("h1", {}, "Playground"), transcript, tools, line, form,
    state.thread ? h("p", {}, h("a", { href: "#/threads/" + state.thread }, "Open this thread")) : null];
}
