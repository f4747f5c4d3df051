import type { CellTemplate } from '../../domain/cells/cell-template.js';
import { readLimits, type LimitReason, type SandboxLimits } from '../../domain/cells/sandbox-limits.js';
import type { FileProblemCode, FileViolation } from '../cell-files.js';
import {
  IntegrityViolation,
  LOG_LINE_CHARS,
  LOG_LINES,
  violationOutcome,
  type CallOutcome,
  type CellRuntime,
} from '../cell-runtime.js';
import { killedOutcome, limitHit, outputOf, type SandboxBackendOptions } from '../sandbox-outcome.js';
import { SandboxPool } from '../sandbox-pool.js';
import { capMemory, PAGE_BYTES } from './wasm-binary.js';
import { wasiFunctionNames } from './wasi-names.js';
import { WASM_WORKER_SOURCE } from './wasm-worker-source.js';

export type WasmBackendOptions = SandboxBackendOptions;

export interface WasmProblem {
  readonly code:
    | 'wasm_missing_module'
    | 'wasm_invalid_module'
    | 'wasm_missing_start'
    | 'wasm_unsupported_import'
    | 'limit_above_maximum'
    | FileProblemCode;
  readonly message: string;
  /** Set when the module's file is no longer what the template pinned. */
  readonly violation?: FileViolation;
}

interface Loaded {
  readonly module: CompiledModule;
  readonly limits: SandboxLimits;
}

type WorkerAnswer =
  | { ok: true; exit: number; stdout: string; stderr: string; tooLarge: boolean; outBytes: number }
  | { ok: false; kind: 'trap'; message: string; stderr?: string };

/** A compiled `WebAssembly.Module` (opaque here: it is only posted to the workers). */
type CompiledModule = object;

/** The part of the WebAssembly API used here (the build's TypeScript libs do not declare it). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<CompiledModule>;
  Module: {
    imports(m: CompiledModule): { module: string; name: string; kind: string }[];
    exports(m: CompiledModule): { name: string; kind: string }[];
  };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The module's bytes from `metadata.module` (base64), or why there are none. */
function moduleBytes(t: CellTemplate): Uint8Array | WasmProblem {
  const raw = t.metadata.module;
  if (typeof raw !== 'string' || raw === '')
    return {
      code: 'wasm_missing_module',
      message: '$.metadata.module: a WASM cell carries its module here, base64-encoded',
    };
  const compact = raw.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0)
    return { code: 'wasm_invalid_module', message: '$.metadata.module: not base64' };
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/** Whether the template takes its module from a file of the catalog (`metadata.module_file`). */
const fromFile = (t: CellTemplate): boolean => t.metadata.module_file !== undefined;

/** stderr as the call's log: its lines, capped like a script's `ctx.log`. */
const logOf = (stderr: string | undefined): string[] =>
  (stderr ?? '')
    .split('\n')
    .filter((l) => l !== '')
    .slice(0, LOG_LINES)
    .map((l) => (l.length > LOG_LINE_CHARS ? `${l.slice(0, LOG_LINE_CHARS)}…` : l));

/**
 * WASM cells: a WASI (preview 1) module run in a pool of worker threads, the input's JSON on stdin, the
 * output's on stdout. Compiled once per revision (with its memory capped), instantiated afresh per call.
 */
export class WasmBackend {
  readonly #opts: WasmBackendOptions;
  readonly pool: SandboxPool;
  readonly #compiled = new Map<string, Promise<Loaded | WasmProblem[]>>();

  constructor(opts: WasmBackendOptions) {
    this.#opts = opts;
    this.pool = new SandboxPool({
      name: 'wasm',
      size: opts.workers,
      source: WASM_WORKER_SOURCE,
      workerData: null,
      // The worker's own heap; the module's memory is capped by its (rewritten) maximum.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      ...(opts.onWorkerStart === undefined ? {} : { onWorkerStart: opts.onWorkerStart }),
    });
  }

  /** Validates and compiles a template's module: every problem a dry run reports, or the module. */
  async load(t: CellTemplate): Promise<Loaded | WasmProblem[]> {
    const problems: WasmProblem[] = [];
    const limits = readLimits(t.metadata, this.#opts.maxima);
    if (!limits.ok)
      for (const p of limits.problems)
        problems.push({
          code: p.kind === 'above_maximum' ? 'limit_above_maximum' : 'invalid_config',
          message: p.message,
        });
    const bytes = await this.#bytes(t);
    if (!(bytes instanceof Uint8Array)) return [...problems, bytes];
    if (!limits.ok) return problems;
    const capped = capMemory(
      bytes,
      Math.max(1, Math.floor((limits.limits.memoryMib * 1024 * 1024) / PAGE_BYTES)),
    );
    if (!capped.ok) return [{ code: 'wasm_invalid_module', message: capped.problem }];
    let module: CompiledModule;
    try {
      module = await WA.compile(capped.bytes);
    } catch (e) {
      return [
        { code: 'wasm_invalid_module', message: `the module does not validate: ${(e as Error).message}` },
      ];
    }
    const provided = await wasiFunctionNames();
    for (const i of WA.Module.imports(module)) {
      if (i.module !== 'wasi_snapshot_preview1' || i.kind !== 'function' || !provided.has(i.name))
        problems.push({
          code: 'wasm_unsupported_import',
          message: `the module imports ${i.kind} ${i.module}.${i.name}, which the host does not provide (only WASI preview 1 functions)`,
        });
    }
    const exports = new Map(WA.Module.exports(module).map((e) => [e.name, e.kind]));
    if (exports.get('_start') !== 'function')
      problems.push({ code: 'wasm_missing_start', message: 'the module exports no function _start' });
    if (exports.get('memory') !== 'memory')
      problems.push({
        code: 'wasm_missing_start',
        message: 'the module exports no memory named "memory" (WASI needs it)',
      });
    return problems.length > 0 ? problems : { module, limits: limits.limits };
  }

  /** The module's bytes: base64 in `metadata.module`, or the catalog file checked against its pin. */
  async #bytes(t: CellTemplate): Promise<Uint8Array | WasmProblem> {
    if (!fromFile(t)) return moduleBytes(t);
    if (t.metadata.module !== undefined)
      return {
        code: 'invalid_config',
        message: '$.metadata.module_file: give the module in metadata.module or in a file, not both',
      };
    const files = this.#opts.files;
    if (files === undefined)
      return {
        code: 'catalog_file_missing',
        message: '$.metadata.module_file: this process has no catalog directory to read it from',
      };
    const f = await files.load(t, 'module_file');
    if (f.ok) return new Uint8Array(f.bytes);
    return f.violation === null ? f.problem : { ...f.problem, violation: f.violation };
  }

  async check(t: CellTemplate): Promise<WasmProblem[]> {
    const r = await this.load(t);
    return Array.isArray(r) ? r : [];
  }

  #loaded(key: string, t: CellTemplate): Promise<Loaded | WasmProblem[]> {
    let p = this.#compiled.get(key);
    if (p === undefined) {
      const loading = this.load(t);
      p = loading;
      this.#compiled.set(key, p);
      // A file that failed its check is read again next time (it may be restored, and the cell healed).
      void loading.then((r) => {
        if (
          Array.isArray(r) &&
          r.some((x) => x.violation !== undefined) &&
          this.#compiled.get(key) === loading
        )
          this.#compiled.delete(key);
      });
    }
    return p;
  }

  /**
   * The runtime of one revision (`key` names it and its content): compiled at most once. A module from
   * a file is checked against its pin when compiled and again each time a worker loads it.
   */
  async runtime(key: string, t: CellTemplate): Promise<CellRuntime | { problems: WasmProblem[] }> {
    const first = await this.#loaded(key, t);
    if (!fromFile(t)) {
      if (Array.isArray(first)) return { problems: first };
      return { call: (input) => this.#call(key, first, input) };
    }
    if (Array.isArray(first) && !first.some((p) => p.violation !== undefined)) return { problems: first };
    const files = this.#opts.files!;
    return {
      call: async (input: unknown): Promise<CallOutcome> => {
        const loaded = await this.#loaded(key, t);
        if (Array.isArray(loaded)) {
          const v = loaded.find((p) => p.violation !== undefined)?.violation;
          return v === undefined
            ? { ok: false, reason: loaded.map((p) => p.message).join('; ') }
            : violationOutcome(v);
        }
        const loadSetup = async () => {
          const f = await files.load(t, 'module_file');
          if (f.ok) return { module: loaded.module, maxOutput: loaded.limits.outputKib * 1024 };
          throw f.violation === null ? new Error(f.problem.message) : new IntegrityViolation(f.violation);
        };
        return this.#call(key, loaded, input, loadSetup);
      },
    };
  }

  async #call(
    key: string,
    loaded: Loaded,
    input: unknown,
    loadSetup?: () => Promise<unknown>,
  ): Promise<CallOutcome> {
    const { module, limits } = loaded;
    const maxOutput = limits.outputKib * 1024;
    const hit = (o: CallOutcome): CallOutcome => {
      if (!o.ok && o.details?.limit !== undefined) this.#opts.onLimitHit?.(o.details.limit as LimitReason);
      return o;
    };
    const bytes = new TextEncoder().encode(JSON.stringify(input ?? null));
    const a = await this.pool.run({
      rev: key,
      setup: { module, maxOutput },
      ...(loadSetup === undefined ? {} : { loadSetup }),
      payload: { op: 'call', input: bytes },
      killAfterMs: limits.cpuMs,
      transfer: [bytes.buffer],
    });
    if (a.type === 'killed') return hit(killedOutcome(a, limits.cpuMs, limits.memoryMib));
    if (a.type === 'refused')
      return a.error instanceof IntegrityViolation
        ? violationOutcome(a.error.violation)
        : { ok: false, reason: `the module cannot be loaded: ${(a.error as Error).message}` };
    const body = a.body as WorkerAnswer;
    if (!body.ok) return { ok: false, kind: 'exit_code', reason: body.message, log: logOf(body.stderr) };
    const log = logOf(body.stderr);
    if (body.tooLarge) return hit(limitHit('output_too_large', `more than ${maxOutput} bytes`, log));
    if (body.exit !== 0)
      return {
        ok: false,
        kind: 'exit_code',
        reason: `exit_code: the module exited with code ${body.exit}`,
        details: { exit_code: body.exit },
        log,
      };
    return outputOf(body.stdout, maxOutput, log);
  }

  /** The heap of one worker after a call (for the benchmark's memory per worker). */
  async workerHeapBytes(key: string, t: CellTemplate): Promise<number | null> {
    const loaded = await this.#loaded(key, t);
    if (Array.isArray(loaded)) return null;
    const a = await this.pool.run({
      rev: key,
      setup: { module: loaded.module, maxOutput: 0 },
      payload: { op: 'memory' },
      killAfterMs: 2000,
    });
    return a.type === 'answer' ? ((a.body as { heap?: number }).heap ?? null) : null;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
