import { organCellId, type OrganTemplate } from '../../domain/organs/organ-template.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { CellInvoker } from '../cells/cell-invoker.js';
import type { OrgansReads } from './organ-ports.js';

export interface TraceStep {
  readonly cell: string;
  readonly revision: string;
  readonly duration_ms: number;
}

/** What an organ's status shows of its invocations. */
export interface InvokeStats {
  readonly calls: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

/** Calls, errors and recent latencies of one organ's invocations (since this process started). */
export class OrganStats {
  calls = 0;
  errors = 0;
  readonly #latencies: number[] = [];
  /** The latencies sorted, kept until the next call: a status read sorts at most once per change. */
  #sorted: number[] | null = null;
  record(ms: number, failed: boolean): void {
    this.calls += 1;
    if (failed) this.errors += 1;
    if (this.#latencies.length >= 1000) this.#latencies.splice(0, 500);
    this.#latencies.push(ms);
    this.#sorted = null;
  }
  percentile(p: number): number | null {
    if (this.#latencies.length === 0) return null;
    const sorted = (this.#sorted ??= [...this.#latencies].sort((a, b) => a - b));
    return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 1000) / 1000;
  }
}

/**
 * Runs a pathway: each cell's output is the next one's input, each on its serving revision. A failing
 * cell stops the pathway with its error and id.
 */
export async function runPathway(
  call: (cellId: string, input: unknown) => ReturnType<CellInvoker['invoke']>,
  template: OrganTemplate,
  pathwayName: string | undefined,
  input: unknown,
): Promise<Result<{ output: unknown; trace: TraceStep[]; pathway: string }>> {
  const pathway =
    pathwayName === undefined
      ? (template.pathways[0] ?? { name: 'default', cells: template.cells })
      : template.pathways.find((p) => p.name === pathwayName);
  if (pathway === undefined) {
    return fail(
      'not_found',
      `organ ${template.id} has no pathway ${pathwayName}; pathways: ${template.pathways.map((p) => p.name).join(', ') || 'none'}`,
    );
  }
  const trace: TraceStep[] = [];
  let value = input;
  for (const ref of pathway.cells) {
    const id = organCellId(ref);
    const called = call(id, value);
    // A cell read before answers without a promise: waiting on nothing would still cost a turn.
    const r = called instanceof Promise ? await called : called;
    if (!r.ok) {
      return {
        ok: false,
        error: {
          ...r.error,
          reason: `pathway ${pathway.name} stopped at cell ${id}: ${r.error.reason}`,
          details: { ...r.error.details, cell: id, trace },
        },
      };
    }
    trace.push({
      cell: id,
      revision: r.value.revision,
      duration_ms: Math.round(r.value.durationMs * 1000) / 1000,
    });
    value = r.value.output;
  }
  return ok({ output: value, trace, pathway: pathway.name });
}

/**
 * Templates of invoked organs. An organ keeps the template it was built from for life (a rebuild builds
 * the same one again) and ids are never reused, so an entry never goes stale; the bound only caps memory.
 */
const TEMPLATE_CACHE_SIZE = 10_000;

/** Organ invocation: runs a pathway of the organ's cells and keeps each organ's call statistics. */
export class OrganInvocations {
  readonly #organs: OrgansReads;
  readonly #cells: CellInvoker;
  readonly #stats = new Map<string, OrganStats>();
  readonly #templates = new Map<string, OrganTemplate>();
  readonly #onCall: (organId: string, ms: number, failed: boolean) => void;

  /** `onCall`: each invocation's outcome, for the durable per-minute statistics. */
  constructor(
    organs: OrgansReads,
    cells: CellInvoker,
    onCall: (organId: string, ms: number, failed: boolean) => void = () => undefined,
  ) {
    this.#organs = organs;
    this.#cells = cells;
    this.#onCall = onCall;
  }

  async invoke(id: string, input: unknown, pathway?: string) {
    let template = this.#templates.get(id);
    if (template === undefined) {
      const o = await this.#organs.organ(id);
      if (o === null) return fail('not_found', `no organ ${id}`);
      template = o.template;
      if (this.#templates.size >= TEMPLATE_CACHE_SIZE) this.#templates.clear();
      this.#templates.set(id, template);
    }
    const started = performance.now();
    const r = await runPathway(
      (cellId, value) => this.#cells.invoke(cellId, value),
      template,
      pathway,
      input,
    );
    if (!r.ok && r.error.code === 'not_found') return r; // an unknown pathway ran nothing
    let stats = this.#stats.get(id);
    if (stats === undefined) {
      stats = new OrganStats();
      this.#stats.set(id, stats);
    }
    const ms = performance.now() - started;
    stats.record(ms, !r.ok);
    this.#onCall(id, ms, !r.ok);
    return r;
  }

  stats(id: string): InvokeStats {
    const s = this.#stats.get(id);
    return {
      calls: s?.calls ?? 0,
      errors: s?.errors ?? 0,
      p50Ms: s?.percentile(0.5) ?? null,
      p95Ms: s?.percentile(0.95) ?? null,
    };
  }
}
