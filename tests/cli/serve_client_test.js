// Integration test of `hearth serve` with the official `openai` npm client (see
// scripts/test-server.sh, which installs it and runs this file):
//   NODE_PATH=<dir>/node_modules node serve_client_test.js --hearth BIN --testdata DIR
// Starts real servers on free loopback ports, drives them with the client (chat, completions,
// embeddings, models, errors, prefix reuse, 16 concurrent streams) and with raw sockets
// (malformed, slow and vanishing clients), then stops them with SIGTERM. Every wait is
// bounded; a watchdog ends the run if anything hangs. Exit status 0 when every check passes.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const OpenAIModule = require('openai');
const OpenAI = OpenAIModule.OpenAI || OpenAIModule.default || OpenAIModule;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const HEARTH = arg('--hearth');
const TESTDATA = arg('--testdata');
if (!HEARTH || !TESTDATA) {
  console.error('usage: serve_client_test.js --hearth BIN --testdata DIR');
  process.exit(2);
}
const CHAT = 'qwen3-Q8_0';
const EMBED = 'bert-F16';
const KEY = 'test-key-1234';

const servers = [];
const watchdog = setTimeout(() => {
  console.error('FAIL: watchdog: the test took longer than 240 s');
  for (const s of servers) s.proc.kill('SIGKILL');
  process.exit(3);
}, 240_000);

// ---------------------------------------------------------------------------------------------
// Server processes.

function startServer(extraArgs) {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--port', '0', ...extraArgs];
    const proc = spawn(HEARTH, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = { proc, stderr: '', exited: null };
    servers.push(server);
    const timer = setTimeout(() => reject(new Error(`server did not start: ${server.stderr}`)), 30_000);
    proc.stderr.on('data', (d) => {
      server.stderr += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stderr);
      if (m && !server.port) {
        server.port = Number(m[1]);
        clearTimeout(timer);
        resolve(server);
      }
    });
    proc.on('exit', (code, signal) => {
      server.exited = { code, signal };
      clearTimeout(timer);
      if (!server.port) reject(new Error(`server exited (${code}, ${signal}): ${server.stderr}`));
    });
  });
}

function stopServer(server, timeoutMs = 15_000) {
  return new Promise((resolve) => {
    if (server.exited) return resolve(server.exited);
    const timer = setTimeout(() => {
      server.proc.kill('SIGKILL');
      resolve({ code: null, signal: 'SIGKILL (timeout)' });
    }, timeoutMs);
    server.proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
    server.proc.kill('SIGTERM');
  });
}

function client(server, options = {}) {
  return new OpenAI({
    apiKey: KEY,
    baseURL: `http://127.0.0.1:${server.port}/v1`,
    maxRetries: 0,
    timeout: 60_000,
    ...options,
  });
}

// ---------------------------------------------------------------------------------------------
// Checks.

const results = [];
async function check(name, fn) {
  const start = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function assertEq(a, b, message) {
  if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(`${message}: ${JSON.stringify(a)} !== ${JSON.stringify(b)}`);
}
async function expectApiError(promise, status, code) {
  try {
    await promise;
  } catch (e) {
    assert(e instanceof OpenAI.APIError, `expected an APIError, got ${e}`);
    assertEq(e.status, status, `status (${e.message})`);
    if (code) assertEq(e.code, code, `error code (${e.message})`);
    assert(typeof e.message === 'string' && e.message.length > 0, 'error message');
    return e;
  }
  throw new Error(`expected HTTP ${status}, the request succeeded`);
}

async function streamText(stream) {
  let text = '';
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    for (const c of chunk.choices || []) {
      if (c.delta && typeof c.delta.content === 'string') text += c.delta.content;
      if (typeof c.text === 'string') text += c.text;
    }
  }
  return { text, chunks };
}

// Raw HTTP over a socket: exactly the bytes given; resolves with the whole reply.
function rawRequest(port, bytes, { timeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const parts = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('raw request timed out'));
    }, timeoutMs);
    // No half-close after the request (as HTTP clients do): "Connection: close" ends it.
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => parts.push(d));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(parts).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({ status: m ? Number(m[1]) : 0, body });
    });
  });
}
function post(port, pathName, body, headers = {}) {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  let head = `POST ${pathName} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
             `Authorization: Bearer ${KEY}\r\nContent-Type: application/json\r\n` +
             `Content-Length: ${payload.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return rawRequest(port, Buffer.concat([Buffer.from(head + '\r\n'), payload]));
}
function errorBody(reply, status) {
  assertEq(reply.status, status, `status of ${reply.body.slice(0, 200)}`);
  const j = JSON.parse(reply.body);
  assert(j.error && typeof j.error.message === 'string' && j.error.type, 'OpenAI error schema');
  return j.error;
}
async function metric(server, key) {
  const r = await fetch(`http://127.0.0.1:${server.port}/metrics`, {
    headers: { Authorization: `Bearer ${KEY}` },
  });
  const text = await r.text();
  const at = text.indexOf(key + ' ');
  return at < 0 ? NaN : Number(text.slice(at + key.length + 1).split('\n')[0]);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

const PROMPTS = [
  'Tell me about the river.', 'Name three boats.', 'What is the harbor like at dawn?',
  'Write a haiku about rain.', 'Count to five.', 'Describe a lighthouse.', 'Why is the sea salty?',
  'Give me a recipe for bread.', 'Summarise the story of a sailor.', 'What do gulls eat?',
  'List some colours of the sky.', 'Explain tides simply.', 'Say hello in French.',
  'What is a compass for?', 'Invent a name for a ship.', 'How deep is the ocean?',
];
function chatParams(i, extra = {}) {
  return {
    model: CHAT,
    messages: [{ role: 'system', content: 'You are a helpful assistant.' },
               { role: 'user', content: PROMPTS[i % PROMPTS.length] }],
    max_tokens: 20,
    temperature: 0.9,
    seed: 1000 + i,
    ignore_eos: true,  // hearth extension (random-weight models): always 20 tokens
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const main = await startServer(['--model', path.join(TESTDATA, 'models', `${CHAT}.gguf`),
                                  '--model', path.join(TESTDATA, 'models', `${EMBED}.gguf`),
                                  '--parallel', '4', '--api-key', KEY, '--http-threads', '64']);
  const api = client(main);

  await check('models.list lists both models', async () => {
    const ids = [];
    for await (const m of api.models.list()) ids.push(m.id);
    assertEq(ids, [CHAT, EMBED], 'model ids');
  });

  let chatText = '';
  await check('chat completion (whole)', async () => {
    const r = await api.chat.completions.create(chatParams(0));
    assertEq(r.object, 'chat.completion', 'object');
    assertEq(r.choices[0].message.role, 'assistant', 'role');
    assertEq(r.choices[0].finish_reason, 'length', 'finish_reason');
    assertEq(r.usage.completion_tokens, 20, 'completion_tokens');
    assert(r.usage.prompt_tokens > 10, 'prompt_tokens');
    assert(r.timings && r.timings.predicted_n === 20 && r.timings.ttft_ms > 0, 'timings');
    chatText = r.choices[0].message.content;
    assert(chatText.length > 0, 'content');
  });

  await check('chat completion (stream, include_usage) gives the same text', async () => {
    const stream = await api.chat.completions.create(
        chatParams(0, { stream: true, stream_options: { include_usage: true } }));
    const { text, chunks } = await streamText(stream);
    assertEq(text, chatText, 'streamed text');
    const finish = chunks.find((c) => c.choices.length && c.choices[0].finish_reason);
    assertEq(finish.choices[0].finish_reason, 'length', 'finish_reason');
    const last = chunks[chunks.length - 1];
    assertEq(last.choices.length, 0, 'usage chunk has no choices');
    assertEq(last.usage.completion_tokens, 20, 'usage');
  });

  await check('completions (whole and stream) agree; greedy is reproducible', async () => {
    const params = { model: CHAT, prompt: 'The old sailor', max_tokens: 12, temperature: 0,
                     ignore_eos: true };
    const a = await api.completions.create(params);
    assertEq(a.object, 'text_completion', 'object');
    assertEq(a.choices[0].finish_reason, 'length', 'finish_reason');
    const b = await api.completions.create(params);
    assertEq(b.choices[0].text, a.choices[0].text, 'greedy twice');
    const { text } = await streamText(await api.completions.create({ ...params, stream: true }));
    assertEq(text, a.choices[0].text, 'streamed');
  });

  await check('a repeated long prompt reuses cached KV blocks, same text', async () => {
    const system = 'You are the help desk of a hardware store that sells hammers, nails, ' +
                   'screws, paint, ladders and garden tools. Be brief and never promise dates.';
    const params = { ...chatParams(3), messages: [{ role: 'system', content: system },
                                                   { role: 'user', content: 'Hello?' }] };
    const a = await api.chat.completions.create(params);
    const b = await api.chat.completions.create(params);
    assertEq(b.choices[0].message.content, a.choices[0].message.content, 'same text');
    const cached = b.usage.prompt_tokens_details.cached_tokens;
    const blocks = await metric(main, `hearth_kv_block_positions{model="${CHAT}"}`);
    // All but the last prompt token, as far as the first request filled whole blocks (it
    // evaluated its prompt and all but its last generated token).
    const filled = Math.floor((a.usage.prompt_tokens + a.usage.completion_tokens - 1) / blocks) * blocks;
    assertEq(cached, Math.min(b.usage.prompt_tokens - 1, filled), 'cached_tokens');
    assert(cached > 0, 'some prompt tokens reused');
    assertEq(await metric(main, `hearth_kv_blocks_in_use{model="${CHAT}"}`), 0, 'blocks in use');
  });

  await check('chat logprobs', async () => {
    const r = await api.chat.completions.create(
        chatParams(1, { logprobs: true, top_logprobs: 3, max_tokens: 5, temperature: 0 }));
    const content = r.choices[0].logprobs.content;
    assertEq(content.length, 5, 'one entry per token');
    for (const t of content) {
      assertEq(t.top_logprobs.length, 3, 'top_logprobs');
      assert(Math.abs(t.top_logprobs[0].logprob - t.logprob) < 1e-6, 'greedy picks the top token');
      assert(Array.isArray(t.bytes), 'bytes');
    }
  });

  await check('stop strings', async () => {
    const params = { model: CHAT, prompt: 'Seven swans', max_tokens: 30, temperature: 0,
                     ignore_eos: true };
    const full = (await api.completions.create(params)).choices[0].text;
    let stop = '';
    for (let i = Math.floor(full.length / 2); i + 2 < full.length && !stop; i++) {
      if (/^[\x20-\x7e]{2}$/.test(full.slice(i, i + 2))) stop = full.slice(i, i + 2);
    }
    if (!stop) return;  // no ASCII pair in this output: nothing to cut on
    const cut = await api.completions.create({ ...params, stop: ['\u0001', stop] });
    assertEq(cut.choices[0].finish_reason, 'stop', 'finish_reason');
    assertEq(cut.choices[0].text, full.slice(0, full.indexOf(stop)), 'text before the stop');
  });

  await check('embeddings (float and base64) match the reference', async () => {
    const golden = JSON.parse(fs.readFileSync(path.join(TESTDATA, 'golden', `${EMBED}.json`)));
    const texts = golden.cases.map((c) => c.text);
    const f = await api.embeddings.create({ model: EMBED, input: texts, encoding_format: 'float' });
    assertEq(f.data.length, texts.length, 'one vector per input');
    f.data.forEach((d, i) => {
      const c = cosine(d.embedding, golden.cases[i].embedding);
      assert(c >= 0.9999, `cosine ${c} for case ${i}`);
    });
    // The client asks for base64 by default and decodes it itself.
    const b = await api.embeddings.create({ model: EMBED, input: texts[0] });
    assertEq(b.data[0].embedding.length, f.data[0].embedding.length, 'dimension');
    b.data[0].embedding.forEach((v, j) => assert(Math.abs(v - f.data[0].embedding[j]) < 1e-7, 'base64 value'));
    assert(f.usage.prompt_tokens > 0, 'usage');
  });

  await check('errors: unknown model 404, bad field 400, too long 400, bad key 401', async () => {
    await expectApiError(api.chat.completions.create({ ...chatParams(0), model: 'gpt-4o' }), 404, 'model_not_found');
    const bad = await expectApiError(api.chat.completions.create({ ...chatParams(0), temperature: 'hot' }), 400);
    assertEq(bad.param, 'temperature', 'param');
    await expectApiError(api.chat.completions.create({ ...chatParams(0), messages: [] }), 400);
    await expectApiError(api.chat.completions.create(
        { ...chatParams(0), messages: [{ role: 'user', content: 'word '.repeat(800) }] }), 400,
        'context_length_exceeded');
    await expectApiError(api.embeddings.create({ model: CHAT, input: 'x' }), 400);
    await expectApiError(api.completions.create({ model: EMBED, prompt: 'x' }), 400);
    await expectApiError(client(main, { apiKey: 'wrong' }).models.list(), 401, 'invalid_api_key');
  });

  await check('16 concurrent streams: independent, each equal to its own run alone', async () => {
    const alone = [];
    for (let i = 0; i < 16; i++) {
      alone.push((await api.chat.completions.create(chatParams(i))).choices[0].message.content);
    }
    const streams = await Promise.all(Array.from({ length: 16 }, (_, i) =>
        api.chat.completions.create(chatParams(i, { stream: true })).then(streamText)));
    streams.forEach((s, i) => assertEq(s.text, alone[i], `client ${i}`));
    assert(new Set(alone).size > 8, 'different prompts and seeds give different texts');
  });

  await check('malformed requests get clear errors', async () => {
    const port = main.port;
    errorBody(await post(port, '/v1/chat/completions', '{"model":"qwen3-Q8_0","messages":[{"role":'), 400);
    errorBody(await post(port, '/v1/chat/completions', '{"model":"qwen3-Q8_0","messages":"hi"}'), 400);
    errorBody(await post(port, '/v1/completions', '{"model":"qwen3-Q8_0","prompt":"x","max_tokens":1e99}'), 400);
    errorBody(await post(port, '/v1/completions', '{"model":"qwen3-Q8_0","prompt":"x","temperature":1e999}'), 400);
    errorBody(await post(port, '/v1/completions', '{"model":"qwen3-Q8_0","prompt":"x","seed":123456789012345678901234567890}'), 400);
    const utf8 = Buffer.concat([Buffer.from('{"model":"qwen3-Q8_0","prompt":"'),
                                Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('"}')]);
    errorBody(await post(port, '/v1/completions', utf8), 400);
    const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
    const e = errorBody(await post(port, '/v1/completions', big), 413);
    assert(/larger than/.test(e.message), e.message);
  });

  await check('a slow client does not block others', async () => {
    const sock = net.connect(main.port, '127.0.0.1');
    sock.on('error', () => {});
    const head = 'POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n';
    let i = 0;
    const trickle = setInterval(() => { if (i < head.length) sock.write(head[i++]); }, 50);
    try {
      for (let k = 0; k < 3; k++) {
        const r = await api.completions.create({ model: CHAT, prompt: 'hi', max_tokens: 3 });
        assertEq(r.choices.length, 1, 'served');
      }
    } finally {
      clearInterval(trickle);
      sock.destroy();
    }
  });

  await check('a client that disconnects mid-stream cancels its request', async () => {
    const key = `hearth_requests_total{model="${CHAT}",outcome="cancelled"}`;
    const before = await metric(main, key);
    const controller = new AbortController();
    const stream = await api.chat.completions.create(
        { ...chatParams(2), max_tokens: undefined, stream: true }, { signal: controller.signal });
    let n = 0;
    try {
      for await (const chunk of stream) {
        if (++n === 3) controller.abort();
      }
    } catch (e) {
      // the abort ends the iteration
    }
    let after = before;
    for (let k = 0; k < 100 && after === before; k++) {
      await sleep(50);
      after = await metric(main, key);
    }
    const finishedByLength = await metric(main, `hearth_requests_total{model="${CHAT}",outcome="length"}`);
    assert(after === before + 1 || finishedByLength > 0, `cancelled ${before} -> ${after}`);
    const r = await api.completions.create({ model: CHAT, prompt: 'still there?', max_tokens: 2 });
    assertEq(r.choices.length, 1, 'still serving');
  });

  await check('full queue gives 429 (RateLimitError)', async () => {
    const small = await startServer(['--model', path.join(TESTDATA, 'models', `${CHAT}.gguf`),
                                     '--parallel', '1', '--queue', '1', '--ctx', '4096',
                                     '--api-key', KEY]);
    const c = client(small);
    try {
      const controller = new AbortController();
      const hog = await c.completions.create(
          { model: CHAT, prompt: 'A', stream: true, ignore_eos: true }, { signal: controller.signal });
      const it = hog[Symbol.asyncIterator]();
      await it.next();  // A holds the only slot
      const queued = c.completions.create({ model: CHAT, prompt: 'B', max_tokens: 2 });
      for (let k = 0; k < 200 && (await metric(small, `hearth_queue_depth{model="${CHAT}"}`)) !== 1; k++) await sleep(10);
      await expectApiError(c.completions.create({ model: CHAT, prompt: 'C', max_tokens: 2 }), 429, 'queue_full');
      controller.abort();
      const b = await queued;
      assertEq(b.choices.length, 1, 'the queued request runs once the slot is free');
    } finally {
      const exit = await stopServer(small);
      assertEq(exit.code, 0, `exit of the small server (${small.stderr})`);
    }
  });

  await check('SIGTERM ends streams cleanly and exits 0', async () => {
    const stream = await api.chat.completions.create({ ...chatParams(3), max_tokens: undefined, stream: true });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const exiting = stopServer(main);
    let ended = false;
    try {
      for (let k = 0; k < 100000; k++) {
        const { done } = await it.next();
        if (done) break;
      }
      ended = true;  // the generation had just finished
    } catch (e) {
      ended = e instanceof OpenAI.APIError || /shutting down|terminated/.test(String(e));
    }
    assert(ended, 'the stream ended');
    const exit = await exiting;
    assertEq(exit.code, 0, `exit status (${main.stderr.slice(-300)})`);
  });
}

main()
  .catch((e) => {
    results.push({ name: 'setup', ok: false });
    console.log(`FAIL setup: ${e && e.stack ? e.stack : e}`);
  })
  .finally(async () => {
    for (const s of servers) if (!s.exited) await stopServer(s);
    clearTimeout(watchdog);
    const failed = results.filter((r) => !r.ok);
    console.log(`${results.length - failed.length}/${results.length} checks passed`);
    process.exit(failed.length === 0 && results.length > 0 ? 0 : 1);
  });
