import autocannon from 'autocannon';
import { concat, distribution, Samples } from './stats.js';
import type { TargetHandle } from './target-client.js';

/** One HTTP request shape; several are cycled through by each connection, in order. */
export interface RequestSpec {
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** One measured autocannon run against one target, with what the server process spent meanwhile. */
export interface Slice {
  readonly seconds: number;
  readonly ok2xx: number;
  readonly responses: number;
  readonly statusCodes: Record<string, number>;
  readonly errors: number;
  /** Client-side latency of each 2xx response, in ms. */
  readonly latencies: Float64Array;
  readonly cpuMs: number;
  readonly busyMs: number;
  readonly windowMs: number;
  /** Rows or events the server wrote during the slice (write cases), else 0. */
  readonly written: number;
}

export interface LoadResult {
  /** Responses in the measured slices. */
  readonly requests: number;
  /** Responses by status code in the measured slices. */
  readonly statusCodes: Record<string, number>;
  /** 2xx responses per second of each measured slice, in round order (for paired comparisons). */
  readonly roundRps: readonly number[];
  /** 2xx responses per second (non-2xx answers are counted apart, not as throughput). */
  readonly rps: number;
  /** Latency percentiles of 2xx responses as seen by the client, in ms. */
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly server: {
    readonly cpuMs: number;
    /** Share of the measured time the server's event loop was busy (1 = saturated). */
    readonly eventLoopUtilization: number;
    readonly cpuMsPerRequest: number;
  };
}

/**
 * One autocannon run. autocannon's own latency histogram keeps whole milliseconds only, so latencies
 * are taken from its `response` events (fractional ms) instead.
 */
function fire(
  url: string,
  requests: readonly RequestSpec[],
  seconds: number,
  connections: number,
): Promise<{ result: autocannon.Result; latencies: Float64Array }> {
  return new Promise((resolve, reject) => {
    const latencies = new Samples();
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests: requests.map((r) => ({
          method: r.method,
          path: r.path,
          headers: { ...r.headers, ...(r.body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(r.body === undefined ? {} : { body: r.body }),
        })),
      },
      (err: unknown, result: autocannon.Result) => {
        if (err !== null && err !== undefined)
          reject(err instanceof Error ? err : new Error('autocannon failed', { cause: err }));
        else resolve({ result, latencies: latencies.toArray() });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

const countOf = async (target: TargetHandle, counter: string | undefined): Promise<number> =>
  counter === undefined ? 0 : ((await target.stats())[counter] ?? 0);

/** An unmeasured run (JIT, caches, SQLite pages); returns its 2xx count and what it wrote. */
export async function warmUp(
  target: TargetHandle,
  requests: readonly RequestSpec[],
  seconds: number,
  connections: number,
  counter?: string,
): Promise<{ ok2xx: number; written: number }> {
  if (seconds <= 0) return { ok2xx: 0, written: 0 };
  const before = await countOf(target, counter);
  const { result } = await fire(target.url, requests, seconds, connections);
  return { ok2xx: result['2xx'], written: (await countOf(target, counter)) - before };
}

/** A measured run, with the server process's CPU time and event-loop busy time sampled around it. */
export async function measureSlice(
  target: TargetHandle,
  requests: readonly RequestSpec[],
  seconds: number,
  connections: number,
  counter?: string,
): Promise<Slice> {
  const before = await countOf(target, counter);
  await target.startWindow();
  const { result: r, latencies } = await fire(target.url, requests, seconds, connections);
  const server = await target.stopWindow();
  return {
    seconds: r.duration,
    ok2xx: r['2xx'],
    responses: r.requests.total,
    statusCodes: Object.fromEntries(
      Object.entries(r.statusCodeStats ?? {}).map(([code, v]) => [code, v.count ?? 0]),
    ),
    errors: r.errors,
    latencies,
    ...server,
    written: (await countOf(target, counter)) - before,
  };
}

/** Adds the slices of one case up. */
export function summarize(slices: readonly Slice[]): LoadResult {
  const sum = (f: (s: Slice) => number) => slices.reduce((n, s) => n + f(s), 0);
  const requests = sum((s) => s.responses);
  const ok = sum((s) => s.ok2xx);
  const statusCodes: Record<string, number> = {};
  for (const s of slices) {
    for (const [code, n] of Object.entries(s.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  }
  const latency = distribution(concat(slices.map((s) => s.latencies)));
  const cpuMs = sum((s) => s.cpuMs);
  return {
    requests,
    statusCodes,
    rps: ok / sum((s) => s.seconds),
    roundRps: slices.map((s) => s.ok2xx / s.seconds),
    p50: latency.p50,
    p99: latency.p99,
    non2xx: requests - ok,
    errors: sum((s) => s.errors),
    server: {
      cpuMs,
      eventLoopUtilization: sum((s) => s.busyMs) / sum((s) => s.windowMs),
      cpuMsPerRequest: requests > 0 ? cpuMs / requests : NaN,
    },
  };
}
