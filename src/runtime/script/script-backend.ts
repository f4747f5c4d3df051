import { createRequire } from 'node:module';
import type { CellTemplate } from '../../domain/cells/cell-template.js';
import { readLimits, type LimitReason, type SandboxLimits } from '../../domain/cells/sandbox-limits.js';
import type { FileProblemCode } from '../cell-files.js';
import {
  IntegrityViolation,
  LOG_LINE_CHARS,
  LOG_LINES,
  violationOutcome,
  type CallOutcome,
  type CellRuntime,
} from '../cell-runtime.js';
import { killedOutcome, limitHit, outputOf, seedOf, type SandboxBackendOptions } from '../sandbox-outcome.js';
import { SandboxPool } from '../sandbox-pool.js';
import { PRELUDE, SCRIPT_FILE } from './script-prelude.js';
import { SCRIPT_WORKER_SOURCE } from './script-worker-source.js';

export interface ScriptBackendOptions extends SandboxBackendOptions {
  /** Revisions whose context a worker keeps (least recently called dropped first). */
  readonly contextsPerWorker?: number;
}

/** What the dry run and fabrication find wrong with a script template. */
export interface ScriptProblem {
  readonly code:
    | 'script_missing_source'
    | 'script_syntax_error'
    | 'script_missing_run'
    | 'limit_above_maximum'
    | FileProblemCode;
  readonly message: string;
}

type WorkerAnswer =
  | { ok: true; text: string; hasRun?: boolean }
  | { ok: true; bytes: number; contexts: number }
  | {
      ok: false;
      kind: 'timeout' | 'memory_limit' | 'stack_limit' | 'script_error';
      message: string;
      line?: number | null;
    };

interface Setup {
  readonly source: string;
  readonly metadata: string;
  readonly limits: SandboxLimits;
}

/** The script a template carries (docs/cells.md, "Script cells"). */
export const scriptSource = (t: CellTemplate): string | null => t.draft_content ?? null;

/** Whether the template takes its script from a file of the catalog (`metadata.source_file`). */
const fromFile = (t: CellTemplate): boolean => t.metadata.source_file !== undefined;

const NO_CATALOG: ScriptProblem = {
  code: 'catalog_file_missing',
  message: '$.metadata.source_file: this process has no catalog directory to read it from',
};

/**
 * Script cells: JavaScript in QuickJS, in a pool of worker threads. Each worker keeps a context per
 * revision with the code compiled once; a call's `Math.random` is seeded from its input and the clock
 * stands still, so the same input gives the same output.
 */
export class ScriptBackend {
  readonly #opts: ScriptBackendOptions;
  readonly pool: SandboxPool;

  constructor(opts: ScriptBackendOptions) {
    this.#opts = opts;
    this.pool = new SandboxPool({
      name: 'script',
      size: opts.workers,
      source: SCRIPT_WORKER_SOURCE,
      workerData: {
        quickjs: createRequire(import.meta.url).resolve('quickjs-emscripten'),
        prelude: PRELUDE,
        file: SCRIPT_FILE,
        maxContexts: opts.contextsPerWorker ?? 64,
        logLines: LOG_LINES,
        logLineChars: LOG_LINE_CHARS,
      },
      // The JS heap of the worker itself (QuickJS's memory is its own WebAssembly memory, capped per call).
      resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      ...(opts.onWorkerStart === undefined ? {} : { onWorkerStart: opts.onWorkerStart }),
    });
  }

  /** `source`: the script read from `metadata.source_file` (or a placeholder before it is read). */
  #setup(
    t: CellTemplate,
    source: string | null = scriptSource(t),
  ): { setup: Setup } | { problems: ScriptProblem[] } {
    const problems: ScriptProblem[] = [];
    if (fromFile(t) && (t.draft_content ?? '') !== '')
      problems.push({
        code: 'invalid_config',
        message: '$.metadata.source_file: give the script in draft_content or in a file, not both',
      });
    else if (source === null || source.trim() === '')
      problems.push({
        code: 'script_missing_source',
        message:
          '$.draft_content: a script cell carries its JavaScript here (or names a file in metadata.source_file)',
      });
    const limits = readLimits(t.metadata, this.#opts.maxima);
    if (!limits.ok)
      for (const p of limits.problems)
        problems.push({
          code: p.kind === 'above_maximum' ? 'limit_above_maximum' : 'invalid_config',
          message: p.message,
        });
    if (problems.length > 0 || !limits.ok || source === null) return { problems };
    return { setup: { source, metadata: JSON.stringify(t.metadata), limits: limits.limits } };
  }

  /** Everything a dry run reports about a script template: source, limits, syntax (with line), `run`. */
  async check(key: string, t: CellTemplate): Promise<ScriptProblem[]> {
    let source = scriptSource(t);
    if (fromFile(t)) {
      if (this.#opts.files === undefined) return [NO_CATALOG];
      const f = await this.#opts.files.load(t, 'source_file');
      if (!f.ok) return [f.problem];
      source = f.bytes.toString('utf8');
    }
    const s = this.#setup(t, source);
    if ('problems' in s) return s.problems;
    const a = await this.pool.run({
      rev: `check:${key}`,
      setup: s.setup,
      payload: { op: 'check' },
      killAfterMs: 2000,
    });
    if (a.type !== 'answer')
      return [
        {
          code: 'script_syntax_error',
          message: `the script could not be loaded: ${a.type === 'killed' ? a.message : String(a.error)}`,
        },
      ];
    const body = a.body as WorkerAnswer;
    if (body.ok && 'hasRun' in body && body.hasRun === false)
      return [{ code: 'script_missing_run', message: 'the script defines no function run(input, ctx)' }];
    if (body.ok) return [];
    if (body.kind === 'script_error' && /defines no function run/.test(body.message))
      return [{ code: 'script_missing_run', message: 'the script defines no function run(input, ctx)' }];
    const line = body.kind === 'script_error' && typeof body.line === 'number' ? ` at line ${body.line}` : '';
    return [{ code: 'script_syntax_error', message: `${body.message}${line}` }];
  }

  /** The runtime of one revision (`key` names it and its content), or why it cannot run. */
  runtime(key: string, t: CellTemplate): CellRuntime | { problems: ScriptProblem[] } {
    const file = fromFile(t);
    const files = this.#opts.files;
    if (file && files === undefined) return { problems: [NO_CATALOG] };
    // A script from a file is read (and checked against its pin) each time a worker loads it.
    const s = this.#setup(t, file ? 'function run() {}' : scriptSource(t));
    if ('problems' in s) return s;
    const { setup } = s;
    const loadSetup = !file
      ? undefined
      : async (): Promise<Setup> => {
          const f = await files!.load(t, 'source_file');
          if (f.ok) return { ...setup, source: f.bytes.toString('utf8') };
          throw f.violation === null ? new Error(f.problem.message) : new IntegrityViolation(f.violation);
        };
    const limits = setup.limits;
    // Past the interrupt deadline QuickJS stops the call itself; a built-in that does not check it (a huge
    // `repeat`) is stopped by terminating the worker a little later.
    const killAfterMs = limits.cpuMs + Math.max(100, limits.cpuMs);
    const hit = (o: CallOutcome): CallOutcome => {
      if (!o.ok && o.details?.limit !== undefined) this.#opts.onLimitHit?.(o.details.limit as LimitReason);
      return o;
    };
    return {
      call: async (input: unknown): Promise<CallOutcome> => {
        const json = JSON.stringify(input ?? null);
        const a = await this.pool.run({
          rev: key,
          setup,
          ...(loadSetup === undefined ? {} : { loadSetup }),
          payload: { op: 'call', input: json, seed: seedOf(json) },
          killAfterMs,
        });
        if (a.type === 'killed') return hit(killedOutcome(a, limits.cpuMs, limits.memoryMib));
        if (a.type === 'refused')
          return a.error instanceof IntegrityViolation
            ? violationOutcome(a.error.violation)
            : { ok: false, reason: `the script cannot be loaded: ${(a.error as Error).message}` };
        const body = a.body as WorkerAnswer;
        if (body.ok && 'text' in body) {
          const text = body.text;
          if (text.startsWith('T'))
            return hit(
              limitHit('output_too_large', `${text.slice(1)} characters > ${limits.outputKib * 1024} bytes`),
            );
          const nl = text.indexOf('\n');
          const log = JSON.parse(text.slice(1, nl)) as string[];
          return hit(outputOf(text.slice(nl + 1), limits.outputKib * 1024, log));
        }
        if (body.ok) return { ok: false, reason: 'unexpected answer from the script sandbox' };
        if (body.kind === 'script_error') {
          const line = typeof body.line === 'number' ? body.line : null;
          return {
            ok: false,
            kind: 'script_error',
            reason: `script_error: ${body.message}${line === null ? '' : ` (line ${line})`}`,
            details: { error: 'script_error', message: body.message, line },
          };
        }
        const detail =
          body.kind === 'timeout'
            ? `${limits.cpuMs} ms`
            : body.kind === 'memory_limit'
              ? `${limits.memoryMib} MiB`
              : `${limits.stackKib} KiB`;
        return hit(limitHit(body.kind, detail));
      },
    };
  }

  /** QuickJS's own count of the memory one revision's context holds (for the benchmark). */
  async contextBytes(key: string, t: CellTemplate): Promise<number | null> {
    const s = this.#setup(t);
    if ('problems' in s) return null;
    const a = await this.pool.run({ rev: key, setup: s.setup, payload: { op: 'memory' }, killAfterMs: 2000 });
    return a.type === 'answer' && (a.body as { bytes?: number }).bytes !== undefined
      ? (a.body as { bytes: number }).bytes
      : null;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
