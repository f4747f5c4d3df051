/** Text tables for the run-kernel benchmark. */
import type { CaseTotals } from './kernel-stats.js';

export interface CaseReport {
  readonly id: string;
  readonly group: 'engine' | 'dbos' | 'restate' | 'baseline' | 'http';
  readonly name: string;
  readonly store: string;
  readonly concurrency: number;
  readonly totals: CaseTotals;
}

export interface Ratio {
  readonly what: string;
  readonly value: number;
  readonly goal?: string;
  readonly met?: boolean;
}

export interface KernelReport {
  readonly date: string;
  readonly machine: Record<string, unknown>;
  readonly settings: Record<string, unknown>;
  readonly stepsPerRun: number;
  readonly footprint: Record<string, { events: number; records: number }>;
  readonly cases: CaseReport[];
  readonly ratios: Ratio[];
  readonly notes: string[];
}

const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(v >= 100 ? 0 : digits) : '–');

function table(head: string[], rows: string[][], alignLeft = 2): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderKernelReport(r: KernelReport): string {
  const out: string[] = [];
  out.push(`fabrica run-kernel benchmark — ${r.date}`);
  out.push(
    `machine: ${Object.entries(r.machine)
      .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ')}`,
  );
  out.push(
    `settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}; ${r.stepsPerRun} durable steps per run`,
  );
  out.push('');
  out.push(
    table(
      [
        'case',
        'store',
        'in flight',
        'steps/s',
        'runs/s',
        'step p50 ms',
        'step p99 ms',
        'run p50 ms',
        'steps',
      ],
      r.cases.map((c) => [
        c.name,
        c.store,
        String(c.concurrency),
        fmt(c.totals.stepsPerS),
        fmt(c.totals.runsPerS, 2),
        fmt(c.totals.step.p50, 2),
        fmt(c.totals.step.p99, 2),
        fmt(c.totals.run.p50),
        String(c.totals.step.count),
      ]),
    ),
  );
  const kinded = r.cases.filter((c) => c.group === 'engine' || c.group === 'http');
  if (kinded.length > 0) {
    const order = [
      'create',
      'artifact',
      'stage_graph',
      'advance',
      'patch_issue',
      'verification',
      'checkpoint',
    ];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
    const kinds = [...new Set(kinded.flatMap((c) => Object.keys(c.totals.byKind)))].sort(
      (a, b) => rank(a) - rank(b),
    );
    out.push('');
    out.push('step p50 / p99 ms by kind of step');
    out.push(
      table(
        ['kind', ...kinded.map((c) => c.id)],
        kinds.map((k) => [
          k,
          ...kinded.map((c) => {
            const d = c.totals.byKind[k];
            return d === undefined ? '–' : `${fmt(d.p50, 2)} / ${fmt(d.p99, 2)}`;
          }),
        ]),
        1,
      ),
    );
  }
  if (Object.keys(r.footprint).length > 0) {
    out.push('');
    out.push(
      `written per run (${r.stepsPerRun} steps): ` +
        Object.entries(r.footprint)
          .map(([k, f]) => `${k}: ${f.events} events, ${f.records} run records`)
          .join('; '),
    );
  }
  if (r.ratios.length > 0) {
    out.push('');
    out.push('ratios (measured in this run, same machine, slices interleaved)');
    out.push(
      table(
        ['ratio', 'value', 'goal', 'met'],
        r.ratios.map((x) => [
          x.what,
          `${fmt(x.value, 2)}×`,
          x.goal ?? '',
          x.met === undefined ? '' : x.met ? 'yes' : 'NO',
        ]),
        1,
      ),
    );
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}
