// The official OpenAI Node SDK runs an assistant with file_search on
// `r2kit serve`, whose model is a fake chat-completions endpoint served
// from this file: it calls the file_search function once, then answers by
// quoting the first search result and writing its marker. The test checks
// the run (createAndPoll), its reply and file_citation annotation (UTF-16
// indexes, as JS strings count), its steps with and without
// include[]=step_details.tool_calls[*].file_search.results[*].content,
// and the events of the same run streamed.
//
// It starts the server itself, pointed at the fake model:
//   R2KIT_BIN=/path/to/r2kit npm test
// (with only R2KIT_BASE_URL set, these tests are skipped: that server's
// model is not this file's.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { serve, newClient, upload, waitStore } from './r2kit.mjs';

const MODEL = 'fake-file-search-model';
const MODEL_KEY = 'sk-fake-model-key';
const QUESTION = 'How tall is the Skerryvore lighthouse?';
const ANSWER = 'The Skerryvore lighthouse stands 48 metres tall on a reef west of Tiree.';
const FILES = {
  'lighthouse.txt': `${ANSWER} Its granite tower was finished in 1844 and first lit the sea the same year.`,
  // mentions the lighthouse too, but not how tall it is: a weaker result
  'harbour.txt': 'The harbour at Hynish keeps a museum about the lighthouse keepers. Boats leave for Tiree at noon.',
  'orbits.txt': 'Mars takes 687 days to go round the Sun. Its two moons are Phobos and Deimos.',
};
// The usage the fake model reports for its search call and for its
// answer: the run's usage is their sum.
const SEARCH_USAGE = { prompt_tokens: 31, completion_tokens: 7, total_tokens: 38 };
const ANSWER_USAGE = { prompt_tokens: 230, completion_tokens: 41, total_tokens: 271 };

const skip = !process.env.R2KIT_BIN && process.env.R2KIT_BASE_URL
  ? 'file_search needs R2KIT_BIN: the server is started pointed at a fake model'
  : false;

let model; // the fake model endpoint
let server; // r2kit serve
let client;
let fileIds; // file name -> id
let vectorStore;
let assistant;

// text returns the text of a chat message's content: a string, or an
// array of parts.
function text(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter((p) => p.type === 'text').map((p) => p.text).join('');
  return '';
}

// firstResult reads the first result block of a file_search tool
// output: the line that starts with a marker such as 【0:0†name】 (the
// output's header mentions a marker too, but not at a line's start), and
// the text of the lines after it up to the next result.
function firstResult(output) {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => /^【\d+:\d+†[^】]*】/.test(l));
  if (at < 0) return null;
  const marker = /^【\d+:\d+†[^】]*】/.exec(lines[at])[0];
  const body = [];
  for (const l of lines.slice(at + 1)) {
    if (/^【\d+:\d+†/.test(l)) break;
    body.push(l);
  }
  return { marker, text: body.join(' ').trim() };
}

// answer decides what the fake model says to a chat request: a call of
// file_search with the user's question as long as no tool output came
// back, then a reply quoting the first sentence of the first result,
// with a non-ASCII letter and an emoji (two UTF-16 code units) before
// the result's marker.
function answer(req, n) {
  const tools = req.messages.filter((m) => m.role === 'tool');
  if (tools.length === 0) {
    const user = req.messages.filter((m) => m.role === 'user').at(-1);
    const query = text(user?.content).replace(/[?!.\s]+$/, '');
    return {
      toolCalls: [{ id: `call_fakesearch${n}`, name: 'file_search', arguments: JSON.stringify({ query }) }],
      finish: 'tool_calls', usage: SEARCH_USAGE,
    };
  }
  const first = firstResult(text(tools.at(-1).content));
  if (!first) return { content: 'The files say nothing about it.', finish: 'stop', usage: ANSWER_USAGE };
  const sentence = /^.*?[.!?](?=\s|$)/.exec(first.text)?.[0] ?? first.text;
  return { content: `Voilà 🗼 “${sentence}”${first.marker} Anything else?`, finish: 'stop', usage: ANSWER_USAGE };
}

// pieces splits s into pieces of about size code points (never inside a
// surrogate pair), as a model streams its tokens.
function pieces(s, size) {
  const cps = Array.from(s);
  const out = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out;
}

// startModel serves POST /v1/chat/completions on a free loopback port,
// streamed (SSE chat.completion.chunk lines, a usage chunk when
// stream_options.include_usage asks for it, [DONE]) or not. It records
// every request and every answer.
function startModel() {
  const m = { requests: [], answers: [] };
  const srv = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no ${req.method} ${req.url} here`, type: 'invalid_request_error' } }));
      return;
    }
    const body = JSON.parse(raw);
    m.requests.push({ authorization: req.headers.authorization, body });
    const a = answer(body, m.requests.length);
    m.answers.push(a);
    const id = `chatcmpl-fake${m.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const toolCalls = (a.toolCalls ?? []).map((c, index) => ({
      index, id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments },
    }));
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id, object: 'chat.completion', created, model: body.model,
        choices: [{
          index: 0, finish_reason: a.finish,
          message: { role: 'assistant', content: a.content ?? null, ...(toolCalls.length ? { tool_calls: toolCalls.map(({ index, ...c }) => c) } : {}) },
        }],
        usage: a.usage,
      }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const usage = body.stream_options?.include_usage;
    const send = (choices, extra = {}) => res.write(`data: ${JSON.stringify({
      id, object: 'chat.completion.chunk', created, model: body.model, choices, ...(usage ? { usage: null } : {}), ...extra,
    })}\n\n`);
    const delta = (d, finish = null) => send([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);
    if (toolCalls.length) {
      delta({ role: 'assistant', content: null });
      for (const c of toolCalls) {
        // the first fragment names the call, the others carry its arguments
        delta({ tool_calls: [{ index: c.index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] });
        for (const p of pieces(c.function.arguments, 9)) delta({ tool_calls: [{ index: c.index, function: { arguments: p } }] });
      }
    } else {
      delta({ role: 'assistant', content: '', refusal: null });
      for (const p of pieces(a.content, 5)) delta({ content: p });
    }
    delta({}, a.finish);
    if (usage) send([], { usage: a.usage });
    res.end('data: [DONE]\n\n');
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      m.baseURL = `http://127.0.0.1:${srv.address().port}/v1`;
      m.close = () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); });
      resolve(m);
    });
  });
}

before(async () => {
  if (skip) return;
  assert.ok(process.env.R2KIT_BIN, 'set R2KIT_BIN (an r2kit binary to start)');
  model = await startModel();
  const apiKey = process.env.R2KIT_API_KEY || 'sk-node-sdk-test';
  server = await serve(process.env.R2KIT_BIN, apiKey, ['--model-base-url', model.baseURL, '--model-api-key', MODEL_KEY]);
  client = newClient(server.baseURL, apiKey);

  fileIds = {};
  for (const [name, body] of Object.entries(FILES)) fileIds[name] = await upload(client, name, body);
  vectorStore = await client.vectorStores.create({ name: 'file-search-node', file_ids: Object.values(fileIds) });
  vectorStore = await waitStore(client, vectorStore.id);
  assert.equal(vectorStore.status, 'completed');
  assert.equal(vectorStore.file_counts.completed, 3);

  assistant = await client.beta.assistants.create({
    model: MODEL, name: 'librarian', instructions: 'Answer from the attached files and cite them.',
    tools: [{ type: 'file_search' }],
    tool_resources: { file_search: { vector_store_ids: [vectorStore.id] } },
  });
  assert.deepEqual(assistant.tools.map((t) => t.type), ['file_search']);
  assert.deepEqual(assistant.tool_resources.file_search.vector_store_ids, [vectorStore.id]);
});

after(async () => {
  await server?.stop();
  await model?.close();
});

// checkModelCalls checks the two calls the fake model got for one run:
// offered file_search and streamed, then given the search's output as
// the call's tool message. It returns the search call's id.
function checkModelCalls() {
  assert.equal(model.requests.length, 2, `model calls: ${JSON.stringify(model.requests.map((r) => r.body.messages))}`);
  const [first, second] = model.requests;
  for (const r of model.requests) {
    assert.equal(r.authorization, `Bearer ${MODEL_KEY}`);
    assert.equal(r.body.model, MODEL);
    assert.equal(r.body.stream, true);
    assert.equal(r.body.stream_options?.include_usage, true);
  }
  const search = first.body.tools?.find((t) => t.type === 'function' && t.function.name === 'file_search');
  assert.ok(search, `file_search offered: ${JSON.stringify(first.body.tools)}`);
  assert.deepEqual(search.function.parameters.required, ['query']);
  assert.ok(!first.body.messages.some((m) => m.role === 'tool'));
  assert.equal(text(first.body.messages.filter((m) => m.role === 'user').at(-1).content), QUESTION);

  const callId = model.answers[0].toolCalls[0].id;
  const asked = second.body.messages.find((m) => m.role === 'assistant' && m.tool_calls?.length);
  assert.deepEqual(asked.tool_calls.map((c) => [c.id, c.function.name]), [[callId, 'file_search']]);
  assert.deepEqual(JSON.parse(asked.tool_calls[0].function.arguments), { query: 'How tall is the Skerryvore lighthouse' });
  const output = second.body.messages.filter((m) => m.role === 'tool').at(-1);
  assert.equal(output.tool_call_id, callId);
  const result = firstResult(text(output.content));
  assert.equal(result?.marker, '【0:0†lighthouse.txt】', `tool output: ${text(output.content)}`);
  assert.ok(result.text.startsWith(ANSWER), `first result: ${result.text}`);
  assert.ok(text(output.content).includes('\n【0:1†harbour.txt】'), `tool output: ${text(output.content)}`);
  return callId;
}

// checkReply checks the run's reply: the fake model's text as it wrote
// it (the marker stays), and one file_citation annotation for the marker,
// whose indexes are UTF-16 code units.
function checkReply(message, runId) {
  assert.equal(message.role, 'assistant');
  assert.equal(message.run_id, runId);
  assert.equal(message.assistant_id, assistant.id);
  assert.equal(message.content.length, 1);
  const { type, text: t } = message.content[0];
  assert.equal(type, 'text');
  assert.equal(t.value, model.answers[1].content);
  assert.ok(t.value.includes(ANSWER), `reply: ${t.value}`);

  assert.equal(t.annotations.length, 1, `annotations: ${JSON.stringify(t.annotations)}`);
  const [a] = t.annotations;
  assert.equal(a.type, 'file_citation');
  assert.equal(a.text, '【0:0†lighthouse.txt】');
  assert.deepEqual(a.file_citation, { file_id: fileIds['lighthouse.txt'] });
  assert.equal(t.value.slice(a.start_index, a.end_index), a.text);
  assert.equal(a.start_index, t.value.indexOf(a.text));
  assert.equal(a.end_index - a.start_index, a.text.length);
  // The emoji before the marker is two UTF-16 code units but one code
  // point, and the accents take two UTF-8 bytes: only UTF-16 indexes
  // find the marker.
  const before = t.value.slice(0, a.start_index);
  assert.notEqual(Array.from(before).length, a.start_index);
  assert.notEqual(Buffer.byteLength(before), a.start_index);
}

// checkSearchStep checks the run's tool_calls step: one completed
// file_search call, the fake model's, whose best result is the
// lighthouse file.
function checkSearchStep(step, runId, callId) {
  assert.equal(step.object, 'thread.run.step');
  assert.equal(step.run_id, runId);
  assert.equal(step.type, 'tool_calls');
  assert.equal(step.status, 'completed');
  assert.equal(step.step_details.type, 'tool_calls');
  assert.equal(step.step_details.tool_calls.length, 1);
  const [call] = step.step_details.tool_calls;
  assert.equal(call.type, 'file_search');
  assert.equal(call.id, callId);
  const fs = call.file_search;
  assert.ok(fs.ranking_options?.ranker, `ranking_options: ${JSON.stringify(fs.ranking_options)}`);
  assert.ok(fs.results.length >= 2, `results: ${JSON.stringify(fs.results)}`);
  assert.equal(fs.results[0].file_id, fileIds['lighthouse.txt']);
  assert.equal(fs.results[0].file_name, 'lighthouse.txt');
  for (const [i, r] of fs.results.entries()) {
    assert.equal(r.file_id, fileIds[r.file_name], `result ${i} names its file`);
    assert.ok(r.score > 0 && r.score <= 1, `result ${i} score ${r.score}`);
    if (i > 0) assert.ok(r.score <= fs.results[i - 1].score, 'results best first');
  }
  return fs;
}

// withoutContent asserts that a file_search call shows neither its
// results' content nor r2kit's stored query (r2kit_query): OpenAI's
// object without include[].
function withoutContent(fs) {
  const shown = fs.results.flatMap((r, i) => ('content' in r ? [`results[${i}].content`] : []));
  if ('r2kit_query' in fs) shown.push('r2kit_query');
  assert.deepEqual(shown, [], `file_search call without include[]: ${JSON.stringify(fs)}`);
}

const INCLUDE = 'step_details.tool_calls[*].file_search.results[*].content';

test('file_search run: createAndPoll, cited reply, steps with and without content', { skip, timeout: 60_000 }, async (t) => {
  model.requests.length = 0;
  model.answers.length = 0;
  const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: QUESTION }] });
  const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 50 });
  assert.equal(run.status, 'completed', `run: ${JSON.stringify(run.last_error)}\n${server.log()}`);
  assert.deepEqual(run.tools.map((x) => x.type), ['file_search']);
  const callId = checkModelCalls();
  assert.deepEqual(run.usage, {
    prompt_tokens: SEARCH_USAGE.prompt_tokens + ANSWER_USAGE.prompt_tokens,
    completion_tokens: SEARCH_USAGE.completion_tokens + ANSWER_USAGE.completion_tokens,
    total_tokens: SEARCH_USAGE.total_tokens + ANSWER_USAGE.total_tokens,
  });

  const messages = [];
  for await (const m of client.beta.threads.messages.list(thread.id, { order: 'asc' })) messages.push(m);
  assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant']);
  const reply = messages[1];
  checkReply(reply, run.id);
  const again = await client.beta.threads.messages.retrieve(reply.id, { thread_id: thread.id });
  assert.deepEqual(again.content, reply.content);

  const listSteps = async (query = {}) => {
    const steps = [];
    for await (const s of client.beta.threads.runs.steps.list(run.id, { thread_id: thread.id, order: 'asc', ...query })) steps.push(s);
    assert.deepEqual(steps.map((s) => s.type), ['tool_calls', 'message_creation']);
    assert.equal(steps[1].status, 'completed');
    assert.equal(steps[1].step_details.message_creation.message_id, reply.id);
    return steps;
  };

  await t.test('steps without include[]: results without content', async () => {
    const [search] = await listSteps();
    withoutContent(checkSearchStep(search, run.id, callId));
  });

  await t.test('steps with include[]: results with their content', async () => {
    const [search] = await listSteps({ include: [INCLUDE] });
    const fs = checkSearchStep(search, run.id, callId);
    for (const [i, r] of fs.results.entries()) {
      assert.ok(r.content?.length >= 1, `result ${i} content: ${JSON.stringify(r)}`);
      for (const c of r.content) assert.equal(c.type, 'text');
      assert.ok(FILES[r.file_name].includes(r.content.map((c) => c.text.trim()).join(' ')), `result ${i} content is from ${r.file_name}`);
    }
    assert.ok(fs.results[0].content.map((c) => c.text).join('').includes(ANSWER));

    const one = await client.beta.threads.runs.steps.retrieve(search.id, { thread_id: thread.id, run_id: run.id, include: [INCLUDE] });
    assert.deepEqual(one.step_details, search.step_details);
    assert.ok(!('r2kit_query' in fs), `r2kit_query is r2kit's own and not shown: ${JSON.stringify(fs)}`);
  });
});

test('file_search run streamed: event order, search step, cited reply', { skip, timeout: 60_000 }, async (t) => {
  model.requests.length = 0;
  model.answers.length = 0;
  const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: QUESTION }] });
  const events = [];
  for await (const e of client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id })) events.push(e);
  const names = events.map((e) => e.event);
  const last = events.at(-1);
  assert.equal(last?.event, 'thread.run.completed', `events: ${names.join(' ')}\n${JSON.stringify(last?.data)}\n${server.log()}`);
  const callId = checkModelCalls();

  await t.test('event order', () => {
    // The reply comes as several deltas: one name stands for them.
    assert.ok(names.filter((n) => n === 'thread.message.delta').length >= 2, names.join(' '));
    const order = names.filter((n, i) => !(n === 'thread.message.delta' && names[i - 1] === n));
    assert.deepEqual(order, [
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      // the search
      'thread.run.step.created',
      'thread.run.step.in_progress',
      'thread.run.step.delta',
      'thread.run.step.completed',
      // the reply
      'thread.run.step.created',
      'thread.run.step.in_progress',
      'thread.message.created',
      'thread.message.in_progress',
      'thread.message.delta',
      'thread.message.completed',
      'thread.run.step.completed',
      'thread.run.completed',
    ]);
  });

  const stepEvents = events.filter((e) => e.event.startsWith('thread.run.step.'));
  const searchEvents = stepEvents.slice(0, 4);
  const replyEvents = stepEvents.slice(4);
  const run = last.data;

  await t.test('search step events', () => {
    const [created, inProgress, delta, completed] = searchEvents;
    for (const e of [created, inProgress]) {
      assert.equal(e.data.type, 'tool_calls');
      assert.equal(e.data.status, 'in_progress');
      assert.equal(e.data.run_id, run.id);
    }
    assert.equal(delta.data.object, 'thread.run.step.delta');
    assert.equal(delta.data.id, created.data.id);
    const [call] = delta.data.delta.step_details.tool_calls;
    assert.deepEqual([call.index, call.id, call.type], [0, callId, 'file_search']);
    assert.equal(completed.data.id, created.data.id);
    checkSearchStep(completed.data, run.id, callId);
  });

  await t.test('reply events and message', async () => {
    const [created, inProgress, completed] = replyEvents;
    assert.equal(created.data.type, 'message_creation');
    assert.equal(inProgress.data.type, 'message_creation');
    assert.equal(completed.data.status, 'completed');
    const msgEvents = events.filter((e) => e.event.startsWith('thread.message.'));
    const message = msgEvents.at(-1).data;
    assert.equal(completed.data.step_details.message_creation.message_id, message.id);
    const streamed = msgEvents.filter((e) => e.event === 'thread.message.delta')
      .map((e) => e.data.delta.content.map((c) => c.text.value).join('')).join('');
    assert.equal(streamed, model.answers[1].content);
    checkReply(message, run.id);
    const stored = await client.beta.threads.messages.retrieve(message.id, { thread_id: thread.id });
    checkReply(stored, run.id);
    assert.equal(run.status, 'completed');
    assert.equal(run.usage.total_tokens, SEARCH_USAGE.total_tokens + ANSWER_USAGE.total_tokens);
  });

  await t.test('streamed search step without content (no include[])', () => {
    withoutContent(searchEvents[3].data.step_details.tool_calls[0].file_search);
  });
});
