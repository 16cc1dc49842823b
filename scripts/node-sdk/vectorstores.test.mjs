// The official OpenAI Node SDK drives the vector store endpoints of a
// running `r2kit serve`: create with file_ids, files (uploadAndPoll),
// file batches (createAndPoll), attributes, filtered search, file
// content, and the deletion of a file through /v1/files.
//
// Either point it at a server:
//   R2KIT_BASE_URL=http://127.0.0.1:8080/v1 R2KIT_API_KEY=sk-... npm test
// or let it start one over a temporary directory:
//   R2KIT_BIN=/path/to/r2kit npm test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { toFile } from 'openai';
import { serve, newClient, upload, waitStore } from './r2kit.mjs';

let client;
let server;

before(async () => {
  let baseURL = process.env.R2KIT_BASE_URL;
  const apiKey = process.env.R2KIT_API_KEY || 'sk-node-sdk-test';
  if (!baseURL) {
    const bin = process.env.R2KIT_BIN;
    assert.ok(bin, 'set R2KIT_BASE_URL (a running r2kit serve) or R2KIT_BIN (an r2kit binary to start)');
    server = await serve(bin, apiKey);
    baseURL = server.baseURL;
  }
  client = newClient(baseURL, apiKey);
});

after(async () => {
  await server?.stop();
});

test('vector store lifecycle, files and search', async () => {
  const a = await upload(client, 'apples.txt', 'apples grow in orchards and apples are sweet');
  const b = await upload(client, 'carrots.md', '# Carrots\n\ncarrots grow in fields');

  let vs = await client.vectorStores.create({
    name: 'node', file_ids: [a, b], metadata: { sdk: 'node' },
    expires_after: { anchor: 'last_active_at', days: 3 },
  });
  assert.equal(vs.object, 'vector_store');
  assert.match(vs.id, /^vs_/);
  assert.equal(vs.status, 'in_progress');
  vs = await waitStore(client, vs.id);
  assert.equal(vs.status, 'completed');
  assert.deepEqual(vs.file_counts, { in_progress: 0, completed: 2, failed: 0, cancelled: 0, total: 2 });
  assert.equal(vs.expires_after.days, 3);

  const updated = await client.vectorStores.update(vs.id, { name: 'renamed', metadata: { sdk: 'node', v: '2' } });
  assert.equal(updated.name, 'renamed');

  const listed = [];
  for await (const f of client.vectorStores.files.list(vs.id, { filter: 'completed', limit: 1 })) listed.push(f.id);
  assert.deepEqual(listed.sort(), [a, b].sort());

  const f = await client.vectorStores.files.uploadAndPoll(vs.id,
    await toFile(Buffer.from('bananas ripen on the counter'), 'bananas.txt'), { pollIntervalMs: 50 });
  assert.equal(f.object, 'vector_store.file');
  assert.equal(f.status, 'completed');
  await client.vectorStores.files.update(f.id, { vector_store_id: vs.id, attributes: { kind: 'fruit', rank: 2 } });

  const batchFiles = [];
  for (let i = 0; i < 5; i++) batchFiles.push(await upload(client, `n${i}.txt`, `note ${i} mentions orchards`));
  const batch = await client.vectorStores.fileBatches.createAndPoll(vs.id,
    { file_ids: batchFiles, attributes: { kind: 'note' } }, { pollIntervalMs: 50 });
  assert.equal(batch.object, 'vector_store.files_batch');
  assert.equal(batch.status, 'completed');
  assert.equal(batch.file_counts.completed, 5);

  const page = await client.vectorStores.search(vs.id, {
    query: 'orchards', max_num_results: 3,
    filters: { type: 'or', filters: [{ type: 'eq', key: 'kind', value: 'note' }, { type: 'in', key: 'kind', value: ['fruit'] }] },
    ranking_options: { score_threshold: 0.01 },
  });
  const results = [];
  for await (const r of page) results.push(r);
  assert.ok(results.length > 0 && results.length <= 3, `results: ${JSON.stringify(results)}`);
  for (const r of results) {
    assert.ok(batchFiles.includes(r.file_id), `${r.filename} passed the filter`);
    assert.ok(r.score >= 0.01 && r.score <= 1);
    assert.equal(r.content[0].type, 'text');
  }

  const content = await client.vectorStores.files.content(f.id, { vector_store_id: vs.id });
  const texts = [];
  for await (const c of content) texts.push(c.text);
  assert.equal(texts.join('').trim(), 'bananas ripen on the counter');

  await client.files.delete(a);
  const after = await client.vectorStores.search(vs.id, { query: 'apples' });
  assert.ok(!after.data.some((r) => r.file_id === a), 'a deleted file left the results');

  await assert.rejects(client.vectorStores.create({ file_ids: ['file-missing'] }),
    (e) => e.status === 404 && e.param === 'file_ids[0]');
  await assert.rejects(client.vectorStores.search(vs.id, { query: 'x', filters: { type: 'like', key: 'k', value: 1 } }),
    (e) => e.status === 400 && e.param.startsWith('filters'));

  const del = await client.vectorStores.delete(vs.id);
  assert.deepEqual(del, { id: vs.id, object: 'vector_store.deleted', deleted: true });
});
