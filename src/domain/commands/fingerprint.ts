import { createHash } from 'node:crypto';
import { canonicalJson } from '../cells/cell-template.js';
import type { CommandPlan } from './plan.js';
import type { Registry } from './registry.js';

/**
 * What of the registry a plan was made from, hashed: the cells it names (revisions and states), the
 * organs of the templates it builds, and for the gate and safe-mode intents their current setting. The
 * same plan on a registry that moved there hashes differently, and its apply is `command_stale`.
 */
export function registryFingerprint(reg: Registry, plan: CommandPlan): string {
  const cells = plan.subjects.cells.map((id) => {
    const c = reg.cells.find((x) => x.id === id);
    return c === undefined ? { id, missing: true } : { id, revisions: c.revisions };
  });
  const organs = plan.subjects.organTemplates.map((t) => ({
    template: t,
    organs: reg.organs
      .filter((o) => o.template.id === t)
      .map((o) => ({ id: o.id, state: o.state, version: o.template.version })),
  }));
  const gate =
    plan.intent === 'capability.set'
      ? reg.capabilities[plan.target as keyof Registry['capabilities']]
      : plan.intent === 'safe_mode.set'
        ? reg.safeMode
        : null;
  return createHash('sha256')
    .update(canonicalJson({ cells, organs, gate, spec: plan.spec?.id ?? null }))
    .digest('hex');
}
