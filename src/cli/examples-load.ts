import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError, call, type Client } from './http-client.js';

/** The examples shipped with the package (found from this file, whatever the working directory). */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));
export const EXAMPLE_CELLS_DIR = fileURLToPath(new URL('../../examples/cells/', import.meta.url));
export const EXAMPLE_ORGANS_DIR = fileURLToPath(new URL('../../examples/organs/', import.meta.url));

interface ExampleTemplate {
  readonly id: string;
  readonly version: string;
  readonly links?: readonly string[];
  readonly [key: string]: unknown;
}

/** What `examples load` did for one cell template. */
export interface LoadedCell {
  readonly id: string;
  readonly version: string;
  /** `created`: fabricated and approved to stable; `exists`: that revision was there and is left as is. */
  readonly action: 'created' | 'exists' | 'failed';
  readonly state: string | null;
  readonly error?: string;
}

interface CellView {
  readonly revisions?: readonly { readonly version?: unknown; readonly state?: unknown }[];
}

/** Reads every `*.json` template of a directory, dependencies (`links`) before the cells that link them. */
export function readExampleCells(dir = EXAMPLE_CELLS_DIR): ExampleTemplate[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (e) {
    throw new CliError('not_found', `cannot read the examples directory ${dir}: ${(e as Error).message}`);
  }
  const templates = names.map((n) => {
    try {
      return JSON.parse(readFileSync(`${dir}${n}`, 'utf8')) as ExampleTemplate;
    } catch (e) {
      throw new CliError('invalid_json', `${dir}${n}: ${(e as Error).message}`);
    }
  });
  const byId = new Map(templates.map((t) => [t.id, t]));
  const ordered: ExampleTemplate[] = [];
  const seen = new Set<string>();
  const visit = (t: ExampleTemplate) => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    for (const link of t.links ?? []) {
      const dep = byId.get(link);
      if (dep !== undefined) visit(dep);
    }
    ordered.push(t);
  };
  templates.forEach(visit);
  return ordered;
}

const PROMOTIONS = ['draft', 'canary', 'experimental'];

/**
 * Fabricates every example cell template through the API and approves each new revision to stable, so
 * that the example organs can be built at once. Idempotent: a revision that exists already (same id and
 * version) is left as it is and reported with its state. One failure does not stop the others.
 */
export async function loadExampleCells(
  c: Client,
  templates: readonly ExampleTemplate[] = readExampleCells(),
): Promise<LoadedCell[]> {
  const out: LoadedCell[] = [];
  for (const tpl of templates) {
    const id = `adapter:${tpl.id}`;
    const path = `/factory/cells/${encodeURIComponent(id)}`;
    try {
      const existing = await call<CellView>(c, 'GET', path).catch((e: unknown) => {
        if (e instanceof CliError && e.code === 'not_found') return null;
        throw e;
      });
      const revision = existing?.revisions?.find((r) => r.version === tpl.version);
      if (revision !== undefined) {
        out.push({
          id,
          version: tpl.version,
          action: 'exists',
          state: typeof revision.state === 'string' ? revision.state : null,
        });
        continue;
      }
      let state = (await call<{ state: string }>(c, 'POST', '/factory/cells', { backend: 'adapter', tpl }))
        .state;
      const version = `?version=${encodeURIComponent(tpl.version)}`;
      while (PROMOTIONS.includes(state)) {
        state = (await call<{ state: string }>(c, 'POST', `${path}/approve${version}`, {})).state;
      }
      out.push({ id, version: tpl.version, action: 'created', state });
    } catch (e) {
      if (!(e instanceof CliError) || e.code === 'unreachable' || e.code === 'unauthorized') throw e;
      out.push({ id, version: tpl.version, action: 'failed', state: null, error: `${e.code}: ${e.message}` });
    }
  }
  return out;
}
