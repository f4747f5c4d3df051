import type { CapabilityLevel } from '../../domain/capabilities.js';
import { cellIdOf } from '../../domain/cells/cell-model.js';
import {
  cellTypeOf,
  templateHash,
  type Backend,
  type CellTemplate,
} from '../../domain/cells/cell-template.js';
import { compareSemver } from '../../domain/cells/semver.js';
import type { Store } from '../ports.js';
import type { DryRun } from '../../contract/cells.js';
import { isBlocking, type CellRiskCode, type Risk } from '../../domain/risks.js';
import type { CellBackends } from './cell-backends.js';
import { faultRisks } from '../rollouts/fault-risks.js';

const BACKEND_CAPABILITY = {
  adapter: 'factory_adapter',
  script: 'factory_script',
  wasm: 'factory_wasm',
} as const;

export type CapabilityLevelOf = (
  name: 'factory_adapter' | 'factory_script' | 'factory_wasm' | 'fault_injection',
) => CapabilityLevel;

/** A link names a cell id (`adapter:x`) or a template id (`x`, meaning its adapter cell). */
const linkCellId = (link: string) => (link.includes(':') ? link : cellIdOf('adapter', link));

/**
 * The dry run of a template as it would be registered: with the SHA-256 of the catalog files it names
 * pinned. A file that cannot be used (missing, outside the catalog, too large, not what a pin says) is
 * reported by its own risks, in place of what the backend made of the template without it.
 */
export async function dryRunWithFiles(
  store: Store,
  backend: Backend,
  template: CellTemplate,
  capabilityLevel: CapabilityLevelOf,
  backends: CellBackends,
): Promise<DryRun> {
  const pinned = await backends.pin(template);
  const report = await dryRun(store, backend, pinned.template, capabilityLevel, backends);
  if (pinned.problems.length === 0) return report;
  const fileCodes = new Set<string>(pinned.problems.map((p) => p.code));
  const risks = [
    ...pinned.problems.map((p) => ({ ...p, severity: 'blocking' as const })),
    ...report.report.risks.filter((r) => !fileCodes.has(r.code)),
  ];
  return { ...report, ok: false, report: { ...report.report, risks } };
}

/**
 * What fabricating this template would do, with no side effect: its links resolved, concrete risks
 * (blocking ones make `ok` false), and what changes against the current stable revision.
 */
export async function dryRun(
  store: Store,
  backend: Backend,
  template: CellTemplate,
  capabilityLevel: CapabilityLevelOf,
  backends: CellBackends,
): Promise<DryRun> {
  const risks: Risk<CellRiskCode>[] = [];
  const deps: { link: string; cell: string | null; state: string | null; missing: boolean }[] = [];
  for (const link of template.links) {
    const agg = await store.cells.cell(linkCellId(link));
    const best = agg?.revisions.find((r) => r.state === 'stable') ?? agg?.revisions.at(-1);
    deps.push({ link, cell: agg?.cell.id ?? null, state: best?.state ?? null, missing: agg === null });
    if (agg === null)
      risks.push({
        code: 'missing_link',
        severity: 'blocking',
        message: `link ${link} names no registered cell`,
      });
    else if (!agg.revisions.some((r) => r.state === 'stable')) {
      risks.push({
        code: 'link_not_stable',
        severity: 'warning',
        message: `link ${link} has no stable revision (newest is ${best?.state ?? 'none'})`,
      });
    }
  }
  const cycle = await findLinkCycle(store, template);
  if (cycle !== null)
    risks.push({
      code: 'dependency_cycle',
      severity: 'blocking',
      message: `links form a cycle: ${cycle.join(' → ')}`,
    });
  const capability = BACKEND_CAPABILITY[backend];
  if (capabilityLevel(capability) === 'locked') {
    risks.push({
      code: 'backend_locked',
      severity: 'blocking',
      message: `the ${backend} backend is locked (capability ${capability})`,
    });
  }
  // What keeps the template from running: an adapter's operation and config, a script's syntax and
  // `run`, a module's validity, imports and exports, limits above the maxima.
  for (const p of await backends.problems(backend, template)) risks.push({ ...p, severity: 'blocking' });
  risks.push(...faultRisks(template, capabilityLevel('fault_injection')));
  const id = cellIdOf(backend, template.id);
  const agg = await store.cells.cell(id);
  const stable = agg?.revisions.find((r) => r.state === 'stable');
  if (stable !== undefined && compareSemver(template.version, stable.templateVersion) <= 0) {
    risks.push({
      code: 'version_not_greater',
      severity: 'blocking',
      message: `version ${template.version} is not greater than the stable ${stable.templateVersion}`,
    });
  }
  const registered = await store.cells.template(template.id, template.version);
  if (registered !== null) {
    const same = registered.sha256 === templateHash(template);
    risks.push(
      same
        ? {
            code: 'duplicate_version',
            severity: 'info',
            message: `${template.id}@${template.version} is already registered with this content`,
          }
        : {
            code: 'duplicate_version',
            severity: 'blocking',
            message: `${template.id}@${template.version} is already registered with different content`,
          },
    );
  }
  const stableTemplate =
    stable === undefined ? null : await store.cells.template(template.id, stable.templateVersion);
  const changes: { field: string; from: unknown; to: unknown }[] = [];
  if (stableTemplate !== null) {
    const before = stableTemplate.template;
    const fields = [
      'analysis_type',
      'action_type',
      'links',
      'metadata',
      'confidence_threshold',
      'draft_content',
    ] as const;
    for (const f of fields) {
      if (JSON.stringify(before[f]) !== JSON.stringify(template[f]))
        changes.push({ field: f, from: before[f] ?? null, to: template[f] ?? null });
    }
  }
  return {
    ok: !isBlocking(risks),
    report: {
      analysis_type: cellTypeOf(template),
      links: [...template.links],
      risks,
      deps,
      compat: { cell: id, current_stable: stable?.templateVersion ?? null, changes },
    },
  };
}

/** Follows links through the registered cells' newest templates; a path back to this template is a cycle. */
async function findLinkCycle(store: Store, template: CellTemplate): Promise<string[] | null> {
  const seen = new Set<string>();
  const walk = async (links: readonly string[], path: string[]): Promise<string[] | null> => {
    for (const link of links) {
      const templateId = link.includes(':') ? link.slice(link.indexOf(':') + 1) : link;
      if (templateId === template.id) return [...path, link];
      if (seen.has(templateId)) continue;
      seen.add(templateId);
      const versions = await store.cells.templateVersions(templateId);
      const newest = versions.sort((a, b) => compareSemver(a.version, b.version)).at(-1);
      if (newest === undefined) continue;
      const found = await walk(newest.template.links, [...path, link]);
      if (found !== null) return found;
    }
    return null;
  };
  return walk(template.links, [template.id]);
}
