import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { loadExampleCells } from './support/example-cells.js';

/**
 * A small OpenAI-compatible chat-completions server on loopback: it answers each user message from a
 * table (the model's "understanding"), and records what it was asked.
 */
async function fakeLlm(answers: Record<string, string>) {
  const asked: any[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw);
      asked.push(body);
      const user = body.messages.find((m: any) => m.role === 'user').content as string;
      const content = answers[user];
      if (content === undefined) {
        res.writeHead(500).end('{"error":"no idea"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content } }],
        }),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    asked,
    close: () => new Promise((r) => server.close(r)),
  };
}

const VAGUE = 'the thing that repeats whatever it hears deserves a thumbs up';
const HOSTILE = 'do whatever the model wants';
const INVENTED = 'bless the imaginary widget';

describe('natural-language commands with an LLM fallback', () => {
  let f: TestFabrica;
  let llm: Awaited<ReturnType<typeof fakeLlm>>;
  before(async () => {
    llm = await fakeLlm({
      [VAGUE]: JSON.stringify({ intent: 'cell.approve', name: ['echo'] }),
      // not in the schema: an intent that does not exist and an extra field
      [HOSTILE]: JSON.stringify({ intent: 'shell.exec', command: 'rm -rf /' }),
      [INVENTED]: '```json\n{"intent": "cell.approve", "name": ["widget"]}\n```',
    });
    f = await startTestFabrica('sqlite', { FABRICA_LLM_URL: llm.url, FABRICA_LLM_MODEL: 'tiny' });
    await loadExampleCells((m, u, b) => f.request(m, u, b === undefined ? {} : { body: b }));
  });
  after(async () => {
    await f.close();
    await llm.close();
  });

  it('says the LLM is there', async () => {
    const info = await f.request('GET', '/factory/commands/info');
    assert.deepEqual(info.body.llm, { enabled: true, model: 'tiny' });
  });

  it('asks the model only for what the grammar cannot read, and plans its answer through the same checks', async () => {
    const grammar = await f.request('POST', '/factory/commands', { body: { text: 'approve cell echo' } });
    assert.equal(grammar.body.source, 'grammar');
    assert.equal(llm.asked.length, 0);

    const r = await f.request('POST', '/factory/commands', { body: { text: VAGUE } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.source, 'llm');
    assert.equal(r.body.intent, 'cell.approve');
    assert.equal(r.body.target, 'adapter:analysis.echo_adapter.v1');
    assert.equal(llm.asked.length, 1);
    assert.equal(llm.asked[0].model, 'tiny');
    assert.equal(llm.asked[0].response_format.type, 'json_schema');
    assert.ok(llm.asked[0].response_format.json_schema.schema.properties.intent.enum.includes('organ.build'));
    // never applied without the same confirmation: the registry is as it was until apply
    const cell = await f.request(
      'GET',
      `/factory/cells/${encodeURIComponent('adapter:analysis.echo_adapter.v1')}`,
    );
    assert.ok(cell.body.revisions.length > 0);
    assert.ok(cell.body.revisions.every((x: any) => x.state === 'stable'));
  });

  it('refuses an answer outside the schema, or naming what does not exist, as not understood or ambiguous', async () => {
    const bad = await f.request('POST', '/factory/commands', { body: { text: HOSTILE } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.code, 'command_not_understood');
    assert.match(bad.body.llm, /does not match the schema/);
    assert.doesNotMatch(JSON.stringify(bad.body), /rm -rf/);
    const none = await f.request('POST', '/factory/commands', { body: { text: INVENTED } });
    assert.equal(none.status, 422);
    assert.equal(none.body.code, 'command_not_understood');
    assert.match(none.body.llm, /could mean/);
    const down = await f.request('POST', '/factory/commands', { body: { text: 'something nobody knows' } });
    assert.equal(down.status, 422);
    assert.match(down.body.llm, /HTTP 500/);
  });
});

describe('natural-language commands without an LLM', () => {
  let f: TestFabrica;
  before(async () => {
    f = await startTestFabrica('sqlite');
  });
  after(() => f.close());

  it('has no LLM: the info says so, and what the grammar cannot read is not understood', async () => {
    const info = await f.request('GET', '/factory/commands/info');
    assert.deepEqual(info.body.llm, { enabled: false, model: null });
    assert.ok(
      info.body.intents.some((i: any) => i.intent === 'organ.build' && i.example_ru.startsWith('собери')),
    );
    const r = await f.request('POST', '/factory/commands', { body: { text: VAGUE } });
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'command_not_understood');
    assert.equal(r.body.llm, undefined);
  });
});

describe('natural-language commands keep secrets out', () => {
  let f: TestFabrica;
  let llm: Awaited<ReturnType<typeof fakeLlm>>;
  before(async () => {
    llm = await fakeLlm({});
    f = await startTestFabrica('sqlite', { FABRICA_LLM_URL: llm.url });
  });
  after(async () => {
    await f.close();
    await llm.close();
  });

  it('masks tokens and URL credentials before answering, storing or asking the LLM', async () => {
    const secrets = ['fab_0123456789abcdefSECRET', 'hunter2pass', 'sk-abcdefghijklmnop1234'];
    for (const text of [
      `approve ${secrets[0]}`,
      `please use http://admin:${secrets[1]}@example.com`,
      `set key ${secrets[2]}`,
    ]) {
      const r = await f.request('POST', '/factory/commands', { body: { text } });
      assert.equal(r.status, 422, JSON.stringify(r.body));
      for (const s of secrets) assert.ok(!r.text.includes(s), r.text);
    }
    const audit = await f.request('GET', '/audit?subject_kind=command');
    assert.ok(audit.body.events.length >= 3);
    assert.ok(audit.body.events.some((e: any) => String(e.data.text).includes('[redacted]')));
    for (const s of secrets) {
      assert.ok(!JSON.stringify(audit.body).includes(s));
      assert.ok(!JSON.stringify(llm.asked).includes(s));
      assert.ok(!f.logs.join('').includes(s));
    }
  });
});
