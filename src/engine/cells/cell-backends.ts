import type { Backend } from '../../domain/cells/backends.js';
import type { StoredTemplate } from '../../domain/cells/cell-model.js';
import { templateHash, type CellTemplate } from '../../domain/cells/cell-template.js';
import { operationFor } from '../../runtime/adapter/registry.js';
import type { CellRuntime } from '../../runtime/cell-runtime.js';
import type { CatalogFiles } from '../../runtime/cell-files.js';
import type { ScriptBackend } from '../../runtime/script/script-backend.js';
import type { WasmBackend } from '../../runtime/wasm/wasm-backend.js';
import { adapterProblems, type AdapterProblem } from './adapter-problems.js';
import type { CellRiskCode } from '../../domain/risks.js';

/** The sandboxed runtimes of this process (absent in builds or tests that run adapter cells only). */
export interface Sandboxes {
  readonly script?: ScriptBackend;
  readonly wasm?: WasmBackend;
  /** The catalog directory the templates' `source_file` / `module_file` are read from. */
  readonly files?: CatalogFiles;
}

export interface BackendProblem {
  readonly code: CellRiskCode;
  readonly message: string;
}

/**
 * The one place a cell's backend is dispatched: adapter operations, script contexts or WASI modules,
 * each behind the same `CellRuntime`. A revision's runtime is keyed by its id and template hash, so a
 * script or module is compiled once per revision.
 */
export class CellBackends {
  readonly #sandboxes: Sandboxes;

  constructor(sandboxes: Sandboxes = {}) {
    this.#sandboxes = sandboxes;
  }

  /** The catalog directory's files, when this process reads any. */
  get files(): CatalogFiles | undefined {
    return this.#sandboxes.files;
  }

  available(backend: Backend): boolean {
    return backend === 'adapter' || this.#sandboxes[backend] !== undefined;
  }

  /** The runtime of one revision, or null when it cannot be initialised. */
  async runtime(backend: Backend, revisionId: string, stored: StoredTemplate): Promise<CellRuntime | null> {
    const key = `${revisionId}#${stored.sha256}`;
    if (backend === 'adapter') {
      const op = operationFor(stored.cellType);
      if (op === undefined) return null;
      const t = stored.template;
      const config = {
        metadata: t.metadata,
        links: t.links,
        ...(t.confidence_threshold === undefined ? {} : { confidenceThreshold: t.confidence_threshold }),
      };
      return { call: (input) => op.run(input, config) };
    }
    if (backend === 'script') {
      const r = this.#sandboxes.script?.runtime(key, stored.template);
      return r === undefined || 'problems' in r ? null : r;
    }
    const r = await this.#sandboxes.wasm?.runtime(key, stored.template);
    return r === undefined || 'problems' in r ? null : r;
  }

  /**
   * The template as it is registered: the SHA-256 of each catalog file it names pinned into its
   * metadata (docs/cells.md, "Code from the catalog"), or why a file cannot be used (missing, outside
   * the catalog directory, too large, not the content a pin names).
   */
  async pin(t: CellTemplate): Promise<{ template: CellTemplate; problems: BackendProblem[] }> {
    if (t.metadata.source_file === undefined && t.metadata.module_file === undefined)
      return { template: t, problems: [] };
    if (this.#sandboxes.files === undefined)
      return {
        template: t,
        problems: [{ code: 'catalog_file_missing', message: 'this process has no catalog directory' }],
      };
    return this.#sandboxes.files.pin(t);
  }

  /** Why a template cannot run on this backend (empty: it can); a dry run reports each as a blocking risk. */
  async problems(backend: Backend, t: CellTemplate): Promise<BackendProblem[]> {
    return (await this.#problems(backend, t)).map((p) => ({ code: p.code, message: p.message }));
  }

  async #problems(backend: Backend, t: CellTemplate): Promise<BackendProblem[]> {
    if (backend === 'adapter') return adapterProblems(t) satisfies AdapterProblem[];
    const sandbox = this.#sandboxes[backend];
    if (sandbox === undefined)
      return [
        { code: 'backend_unavailable', message: `the ${backend} backend has no runtime in this process` },
      ];
    if (backend === 'script') return this.#sandboxes.script!.check(templateHash(t), t);
    return this.#sandboxes.wasm!.check(t);
  }

  async close(): Promise<void> {
    await Promise.all([this.#sandboxes.script?.close(), this.#sandboxes.wasm?.close()]);
  }
}
