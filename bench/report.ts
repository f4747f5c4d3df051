import type { BareFanoutResult } from './fanout-bare.js';
import type { FanoutResult } from './fanout.js';
import type { LoadResult } from './load.js';
import { round } from './stats.js';

export interface CaseResult extends LoadResult {
  readonly id: string;
  readonly name: string;
  /** Case whose req/s this one is compared with, and the least ratio aimed for (null: informative). */
  readonly baseline: string | null;
  readonly goal: number | null;
  readonly connections: number;
  /** Rows or events the server wrote during warm-up and measured slices (write cases)… */
  readonly written?: number;
  /** …and the 2xx answers over the same runs. */
  readonly ok2xxIncludingWarmup?: number;
}

export interface Derived {
  readonly name: string;
  readonly value: number;
  readonly unit: '%' | 'x';
  readonly goal: string | null;
  readonly met: boolean | null;
  readonly note: string;
}

export interface BenchReport {
  readonly date: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    /** 1-minute load average before and after the run: how busy the machine was otherwise. */
    readonly loadAverage: { readonly before: number; readonly after: number };
  };
  readonly settings: Record<string, unknown>;
  readonly targets: Record<string, Record<string, unknown>>;
  readonly cases: readonly CaseResult[];
  readonly derived: readonly Derived[];
  readonly fanout: FanoutResult | null;
  /** The bare broadcast of the same frames to the same subscribers, run right after fabrica's fan-out. */
  readonly fanoutBare: BareFanoutResult | null;
  readonly skipped: readonly string[];
}

/** Throughput of a case as a share of its baseline's. */
export function ratioOf(c: CaseResult, all: readonly CaseResult[]): number | null {
  const base = all.find((b) => b.id === c.baseline);
  return base === undefined || base.rps === 0 ? null : c.rps / base.rps;
}

/** Server CPU per request of the baseline as a share of the case's: less sensitive to a busy machine. */
export function cpuRatioOf(c: CaseResult, all: readonly CaseResult[]): number | null {
  const base = all.find((b) => b.id === c.baseline);
  return base === undefined || !(c.server.cpuMsPerRequest > 0)
    ? null
    : base.server.cpuMsPerRequest / c.server.cpuMsPerRequest;
}

const pad = (cells: readonly string[], widths: readonly number[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [pad(header, widths), rule, ...rows.map((r) => pad(r, widths))].join('\n');
}

const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? round(v, digits).toFixed(digits) : '-');

function httpTable(r: BenchReport): string {
  return table(
    [
      'case',
      'req/s (2xx)',
      'p50 ms',
      'p99 ms',
      'srv CPU ms/req',
      'srv loop busy',
      'req/s vs baseline',
      'goal',
      'CPU/req vs baseline',
    ],
    r.cases.map((c) => {
      const ratio = ratioOf(c, r.cases);
      const cpuRatio = cpuRatioOf(c, r.cases);
      const codes = Object.entries(c.statusCodes)
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, n]) => `${n} x ${code}`);
      if (c.errors > 0) codes.push(`${c.errors} errors`);
      const errs = codes.length > 0 ? ` (${codes.join(', ')})` : '';
      const conns = c.connections === r.settings.connections ? '' : ` [${c.connections} conn]`;
      return [
        c.name + conns + errs,
        fmt(c.rps, 0),
        fmt(c.p50, 2),
        fmt(c.p99, 2),
        fmt(c.server.cpuMsPerRequest, 3),
        `${fmt(c.server.eventLoopUtilization * 100, 0)}%`,
        ratio === null ? '' : `${fmt(ratio * 100, 0)}% of ${c.baseline}`,
        c.goal === null
          ? ''
          : `>= ${fmt(c.goal * 100, 0)}% ${ratio !== null && ratio >= c.goal ? 'met' : 'MISSED'}`,
        cpuRatio === null ? '' : `${fmt(cpuRatio * 100, 0)}%`,
      ];
    }),
  );
}

/** The human-readable report: the HTTP table, the derived ratios against goals, the fan-out result. */
export function renderReport(r: BenchReport): string {
  const out: string[] = [];
  out.push(
    `fabrica benchmark — ${r.date}, ${r.machine.cpus} CPU (${r.machine.cpuModel}), Node ${r.machine.node}, ` +
      `load average ${fmt(r.machine.loadAverage.before)} before / ${fmt(r.machine.loadAverage.after)} after`,
  );
  out.push(
    `${String(r.settings.seconds)} s per case in ${String(r.settings.rounds)} round-robin slices after ` +
      `${String(r.settings.warmupSeconds)} s warm-up, ${String(r.settings.connections)} connections, ` +
      `loopback; each server in its own process; SQLite synchronous=${String(r.settings.sqliteSynchronous)}`,
  );
  if (r.cases.length > 0) {
    out.push('');
    out.push(httpTable(r));
  }
  if (r.derived.length > 0) {
    out.push('');
    out.push(
      table(
        ['figure', 'value', 'goal', 'note'],
        r.derived.map((d) => [
          d.name,
          d.unit === '%' ? `${fmt(d.value * 100, 0)}%` : `${fmt(d.value, 2)}x`,
          d.goal === null ? '' : `${d.goal} ${d.met === true ? 'met' : 'MISSED'}`,
          d.note,
        ]),
      ),
    );
  }
  const f = r.fanout;
  if (f !== null) {
    const ms = (d: { p50: number; p99: number; max: number }) =>
      `p50 ${fmt(d.p50)} ms, p99 ${fmt(d.p99)} ms, max ${fmt(d.max)} ms`;
    out.push('');
    out.push(
      `fan-out: ${f.subscribers} SSE subscribers (clients on the ${f.clients} thread), ` +
        `${f.produced} events at ${fmt(f.achievedRate, 0)}/s (target ${f.targetRate}/s), ` +
        `${f.batch === 1 ? 'one transaction per event' : `${f.batch} events per transaction`}`,
    );
    out.push(
      `  publish -> delivery: ${ms(f.publishToDelivery)}  (goal p99 <= 10 ms: ${f.publishToDelivery.p99 <= 10 ? 'met' : 'MISSED'})`,
    );
    out.push(`  publish -> commit:   ${ms(f.publishToCommit)}`);
    out.push(`  commit -> delivery:  ${ms(f.commitToDelivery)}`);
    out.push(
      `  delivered ${f.delivered}/${f.expected}; missing ${f.missing}, duplicates ${f.duplicates}, ` +
        `out of order ${f.outOfOrder} -> ${f.exactlyOnceInOrder ? 'every subscriber got every event exactly once, in order' : 'NOT exactly-once in order'}`,
    );
    if (f.endedEarly.length > 0)
      out.push(`  streams ended early: ${f.endedEarly.length} (${f.endedEarly[0]})`);
    out.push(
      `  server+producer thread: loop busy ${fmt(f.eventLoopUtilization * 100, 0)}%, process CPU ${fmt(f.cpuMs / 1000, 2)} s`,
    );
  }
  const b = r.fanoutBare;
  if (b !== null) {
    out.push(
      `bare broadcast (node:http, no store, the same ${b.frameBytes}-byte frames from memory): ` +
        `${b.subscribers} subscribers, ${b.produced} events at ${fmt(b.achievedRate, 0)}/s (target ${b.targetRate}/s)`,
    );
    out.push(
      `  publish -> delivery: p50 ${fmt(b.publishToDelivery.p50)} ms, p99 ${fmt(b.publishToDelivery.p99)} ms, max ${fmt(b.publishToDelivery.max)} ms`,
    );
    out.push(
      `  delivered ${b.delivered}/${b.expected}; missing ${b.missing}, duplicates ${b.duplicates}, out of order ${b.outOfOrder}; ` +
        `loop busy ${fmt(b.eventLoopUtilization * 100, 0)}%, process CPU ${fmt(b.cpuMs / 1000, 2)} s`,
    );
    if (f !== null && b.publishToDelivery.p99 > 0) {
      const ratio = f.publishToDelivery.p99 / b.publishToDelivery.p99;
      out.push(
        `  fabrica ÷ bare, publish -> delivery: p50 ${fmt(f.publishToDelivery.p50 / b.publishToDelivery.p50, 2)}x, ` +
          `p99 ${fmt(ratio, 2)}x (goal p99 <= 2x: ${ratio <= 2 ? 'met' : 'MISSED'})`,
      );
    }
  }
  for (const s of r.skipped) out.push(`skipped: ${s}`);
  return out.join('\n');
}
