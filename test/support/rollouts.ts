import assert from 'node:assert/strict';

/** What the rollout tests need of a running fabrica (in process or a server process). */
export interface Requester {
  request(method: string, url: string, opts?: { body?: unknown }): Promise<{ status: number; body: any }>;
}

export const enc = encodeURIComponent;

/** A test client's `request` with the in-process helper's shape, from a server process's. */
export const fromProcess = (p: {
  request(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
}): Requester => ({ request: (m, u, o) => p.request(m, u, o?.body) });

export async function makeRevision(
  f: Requester,
  templateId: string,
  version: string,
  approvals: number,
  opts: { metadata?: Record<string, unknown>; hitl?: boolean; type?: string } = {},
): Promise<string> {
  const tpl = {
    id: templateId,
    version,
    analysis_type: opts.type ?? 'echo',
    links: [],
    metadata: { schema: 'v1', ...opts.metadata },
  };
  const created = await f.request('POST', '/factory/cells', {
    body: { backend: 'adapter', ...(opts.hitl === undefined ? {} : { hitl: opts.hitl }), tpl },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  for (let i = 0; i < approvals; i++) {
    const r = await f.request('POST', `/factory/cells/${enc(id)}/approve?version=${version}`, { body: {} });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  return id;
}

export const revisionOf = async (f: Requester, id: string, version: string) => {
  const cell = await f.request('GET', `/factory/cells/${enc(id)}`);
  return cell.body.revisions.find((r: any) => r.version === version);
};

/**
 * Calls the cell in batches until `done` says so: the positive signal every rollout test waits on. The
 * deadline is generous (a loaded machine) and only bounds a test that would otherwise hang.
 */
export async function loadUntil<T>(
  f: Requester & { fabrica?: { cellInvoker: { invoke(id: string, input: unknown): unknown } } },
  id: string,
  done: () => Promise<T | null | undefined | false>,
  what: string,
  deadlineMs = 100_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    // In process, the load goes through the service (the HTTP route only presents its answer, and the
    // busy test machine spends far less per call); a server process takes it over HTTP.
    const invoker = f.fabrica?.cellInvoker;
    for (let i = 0; i < 50; i++) {
      if (invoker !== undefined) await invoker.invoke(id, 'hi');
      else await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'hi' } });
    }
    await pause();
    const v = await done();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
  }
}

/**
 * Waits until every committed event is in the log. On PostgreSQL a change's rows are visible from its
 * commit and its events from their sealing a moment later (docs/event-log.md): a test that saw the change
 * (a revision rolled back by the judge, say) waits for its event before reading the log.
 */
export async function logSettled(f: Requester): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await f.request('GET', '/audit/verify');
    if (r.body?.unsealed?.count === 0) return;
    if (Date.now() > until) throw new Error(`events still unsealed: ${JSON.stringify(r.body)}`);
    await pause();
  }
}

export async function auditEvents(f: Requester, type: string, subjectId?: string): Promise<any[]> {
  await logSettled(f);
  const q = `/audit?type=${type}&limit=1000${subjectId === undefined ? '' : `&subject_id=${enc(subjectId)}`}`;
  return (await f.request('GET', q)).body.events as any[];
}

/**
 * Lets timers run between in-process requests (which otherwise resolve without ever reaching the event
 * loop's timers phase). A poll interval, not a wait for something to happen.
 */
export const pause = () => new Promise((resolve) => setTimeout(resolve, 10));
