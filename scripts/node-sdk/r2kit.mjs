// Shared by the tests of this directory: starting `r2kit serve` over a
// temporary directory, and the small steps several tests take with the
// SDK. Not a test file itself (node --test only runs *.test.mjs here).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';

// serve runs `bin serve` on a free loopback port over a new temporary
// directory, with key as its API key and args added to the command line.
// It resolves once the server says where it listens, with
//   baseURL  the API base URL (/v1 included),
//   log()    what the server wrote on standard error so far,
//   stop()   SIGTERM, wait for the process to exit, remove the directory.
export function serve(bin, key, args = []) {
  const dir = mkdtempSync(join(tmpdir(), 'r2kit-node-'));
  const proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--bucket', dir, '--api-key', key, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) resolve({ baseURL: m[1] + '/v1', log: () => log, stop });
    });
    proc.on('error', (err) => { rmSync(dir, { recursive: true, force: true }); reject(err); });
    proc.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`r2kit serve exited with ${code}:\n${log}`));
    });
  });
}

// newClient is the SDK's client for baseURL, without retries (a retried
// request would hide a failure).
export function newClient(baseURL, apiKey) {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0 });
}

// upload uploads text as a file named name for assistants and returns
// its id.
export async function upload(client, name, text) {
  const f = await client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'assistants' });
  return f.id;
}

// waitStore polls vector store id until none of its files is being
// ingested any more, and returns it.
export async function waitStore(client, id) {
  for (let i = 0; i < 600; i++) {
    const v = await client.vectorStores.retrieve(id);
    if (v.status !== 'in_progress' && v.file_counts.in_progress === 0) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`vector store ${id} is still in progress`);
}
