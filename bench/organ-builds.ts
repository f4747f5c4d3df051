// 1,000 organ builds started at once with zero stage waits, over HTTP on loopback, while SSE subscribers
// watch `/events` for organ changes. Reports the time until every organ is stable, whether every
// subscriber saw every change exactly once, and the peak memory of the process. Bounded in time.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { ADMIN_PRINCIPAL } from '../src/domain/access.js';
import { validateCellTemplate } from '../src/domain/cells/cell-template.js';
import { BENCH_ADMIN_TOKEN } from './settings.js';
import { benchFabrica, listen } from './targets.js';

const BUILDS = Number(process.env.BENCH_BUILDS ?? 1000);
const SUBSCRIBERS = Number(process.env.BENCH_BUILD_SUBSCRIBERS ?? 10);
const DEADLINE_MS = Number(process.env.BENCH_BUILD_DEADLINE_MS ?? 120_000);
/** draft → canary → experimental → stable: three stage changes per organ. */
const CHANGES_PER_ORGAN = 3;

const examples = new URL('../examples/', import.meta.url);
const { fabrica, cleanup } = await benchFabrica({});
const mem = { rss: 0, heap: 0 };
const sampleMemory = () => {
  const m = process.memoryUsage();
  mem.rss = Math.max(mem.rss, m.rss);
  mem.heap = Math.max(mem.heap, m.heapUsed);
};
const sampler = setInterval(sampleMemory, 20);
try {
  const echo = validateCellTemplate(
    JSON.parse(readFileSync(new URL('cells/analysis.echo_adapter.v1.json', examples), 'utf8')),
  );
  if (!echo.ok) throw new Error(echo.error.reason);
  const cell = await fabrica.cells.fabricate('adapter', echo.value, true, ADMIN_PRINCIPAL);
  if (!cell.ok) throw new Error(cell.error.reason);
  for (let i = 0; i < 3; i += 1) await fabrica.cells.command(cell.value.id, 'approve', { actor: 'bench' });
  // The example asks for a human approval before stable; these builds are to run through on their own.
  const echoOrgan = JSON.parse(readFileSync(new URL('organs/organ.echo.v1.json', examples), 'utf8')) as {
    policies: Record<string, unknown>;
  };
  const template = JSON.stringify({ ...echoOrgan, policies: { ...echoOrgan.policies, hitl: false } });
  const url = await listen(fabrica.app);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  // Every subscriber counts the stage changes it sees per organ; a duplicate or a gap shows as a wrong count.
  const seen = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => subscribe(url, agent)));
  sampleMemory();
  const before = { ...mem };
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: BUILDS }, () =>
      post(url, agent, '/organs/build', `{"organ_template":${template}}`).then((r) => r.organ_id as string),
    ),
  );
  const accepted = performance.now() - started;
  const ids = new Set(answers);
  let allStable = -1;
  while (performance.now() - started < DEADLINE_MS) {
    const done = seen.every((s) => s.stable >= BUILDS);
    if (done) {
      allStable = performance.now() - started;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const stable = (await fabrica.store.organs.countByState()).stable ?? 0;
  const exact = seen.every(
    (s) => [...ids].every((id) => s.perOrgan.get(id) === CHANGES_PER_ORGAN) && s.perOrgan.size === ids.size,
  );
  process.stdout.write(
    `organ builds: ${BUILDS} started at once over HTTP (organ.echo.v1 without HITL, stage waits 0), ${SUBSCRIBERS} SSE subscribers\n` +
      `  all ${BUILDS} accepted after ${accepted.toFixed(0)} ms; ${stable} stable in the store; ` +
      (allStable < 0
        ? `NOT all seen stable within ${DEADLINE_MS} ms\n`
        : `every subscriber saw all stable after ${allStable.toFixed(0)} ms (${((BUILDS / allStable) * 1000).toFixed(0)} builds/s)\n`) +
      `  every subscriber saw every change exactly once: ${exact ? 'yes' : 'NO'} ` +
      `(${CHANGES_PER_ORGAN} stage changes x ${BUILDS} organs each)\n` +
      `  peak memory: rss ${mb(mem.rss)} MB (${mb(before.rss)} MB before the builds), heap ${mb(mem.heap)} MB (${mb(before.heap)} MB before)\n`,
  );
  for (const s of seen) s.close();
  agent.destroy();
  if (allStable < 0 || !exact || stable !== BUILDS) process.exitCode = 1;
} finally {
  clearInterval(sampler);
  await cleanup();
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function post(url: string, agent: http.Agent, path: string, body: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          res.statusCode === 200 || res.statusCode === 201 || res.statusCode === 202
            ? resolve(JSON.parse(text) as Record<string, unknown>)
            : reject(new Error(`POST ${path} answered ${res.statusCode}: ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Watcher {
  readonly perOrgan: Map<string, number>;
  /** Organs seen reaching stable. */
  stable: number;
  close(): void;
}

function subscribe(url: string, agent: http.Agent): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const w: Watcher = { perOrgan: new Map(), stable: 0, close: () => req.destroy() };
    let buffer = '';
    const req = http.get(
      `${url}/events?type=organ.stage_changed`,
      { agent, headers: { accept: 'text/event-stream', authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET /events answered ${res.statusCode}`));
        res.setEncoding('utf8');
        resolve(w);
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            if (data === undefined) continue;
            const e = JSON.parse(data) as { subject_id: string; data: { to: string } };
            w.perOrgan.set(e.subject_id, (w.perOrgan.get(e.subject_id) ?? 0) + 1);
            if (e.data.to === 'stable') w.stable += 1;
          }
        });
      },
    );
    req.on('error', (e) => (w.perOrgan.size === 0 ? reject(e) : undefined));
  });
}
