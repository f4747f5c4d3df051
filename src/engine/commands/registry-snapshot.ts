import { CAPABILITY_NAMES, type CapabilityLevel, type CapabilityName } from '../../domain/capabilities.js';
import { compareSemver } from '../../domain/cells/semver.js';
import type { Registry, RegistryCell } from '../../domain/commands/registry.js';
import type { Store } from '../ports.js';

const PAGE = 500;

/** The registry as the command planner reads it: every cell with its templates, every organ, the gates. */
export async function registrySnapshot(
  store: Store,
  capabilityLevel: (name: CapabilityName) => CapabilityLevel,
  safeMode: boolean,
): Promise<Registry> {
  const cells: RegistryCell[] = [];
  for (let after: string | undefined; ;) {
    const page = await store.cells.cells({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const agg of page) {
      const revisions = agg.revisions.map((r) => ({ version: r.templateVersion, state: r.state }));
      const newest = [...revisions].sort((a, b) => compareSemver(a.version, b.version)).at(-1);
      if (newest === undefined) continue;
      const stable = revisions.find((r) => r.state === 'stable') ?? newest;
      const template = await store.cells.template(agg.cell.templateId, newest.version);
      const stableTemplate =
        stable === newest ? template : await store.cells.template(agg.cell.templateId, stable.version);
      if (template === null) continue;
      cells.push({
        id: agg.cell.id,
        backend: agg.cell.backend,
        template: template.template,
        stableTemplate: (stableTemplate ?? template).template,
        revisions,
      });
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.cell.id;
  }
  const organs: Registry['organs'][number][] = [];
  for (let after: number | undefined; ;) {
    const page = await store.organs.list({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const o of page) organs.push({ id: o.id, state: o.state, template: o.template });
    if (page.length < PAGE) break;
    after = Number(page.at(-1)!.id.slice('organ-'.length));
  }
  const capabilities = Object.fromEntries(CAPABILITY_NAMES.map((n) => [n, capabilityLevel(n)])) as Record<
    CapabilityName,
    CapabilityLevel
  >;
  return { cells, organs, capabilities, safeMode };
}
