import type { CapabilityName } from '../capabilities.js';
import type { Intent } from './intents.js';
import type { Asker, Registry } from './registry.js';

/** One policy decision of a plan: rights, a gate, safe mode (the engine adds the dry run's). */
export interface PolicyCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly reason: string;
}

/** The intents that write: safe mode refuses them to everyone but the admin. */
const writes = new Set<Intent>([
  'cell.create',
  'cell.new_version',
  'organ.build',
  'organ.new_version',
  'cell.approve',
  'cell.disable',
  'cell.rollback',
  'organ.approve',
  'capability.set',
  'safe_mode.set',
] satisfies Intent[]);

/** The capability each intent needs. */
const GATE: Readonly<Record<Intent, CapabilityName>> = {
  'cell.create': 'factory_adapter',
  'cell.new_version': 'factory_adapter',
  'cell.approve': 'factory_adapter',
  'cell.disable': 'factory_adapter',
  'cell.rollback': 'factory_adapter',
  'organ.build': 'organs_builder',
  'organ.new_version': 'organs_builder',
  'organ.approve': 'organs_builder',
  'status.show': 'organs_builder',
  'capability.set': 'self_edit',
  'safe_mode.set': 'self_edit',
};

/** The policy decisions for an intent: rights, its gate, safe mode. */
export function policyChecks(
  intent: Intent,
  target: string | null,
  reg: Registry,
  asker: Asker,
): PolicyCheck[] {
  const checks: PolicyCheck[] = [
    {
      name: 'rights',
      ok: asker.admin,
      reason: asker.admin ? 'the admin token may run this' : 'only the admin token may run factory commands',
    },
  ];
  // A status read of a cell is not gated by the organ builder; the cell routes have no gate for reads.
  if (!(intent === 'status.show' && target !== null && !target.startsWith('organ-'))) {
    const gate = GATE[intent];
    const level = reg.capabilities[gate];
    checks.push({
      name: `capability:${gate}`,
      ok: level !== 'locked',
      reason:
        level === 'locked'
          ? `${gate} is locked${gate === 'self_edit' ? ': commands that change fabrica itself are refused' : ''}`
          : `${gate} is ${level}`,
    });
  }
  if (writes.has(intent))
    checks.push({
      name: 'safe_mode',
      ok: !reg.safeMode || asker.admin,
      reason: reg.safeMode
        ? asker.admin
          ? 'safe mode is on; the admin may still write'
          : 'safe mode is on: only the admin may write'
        : 'safe mode is off',
    });
  return checks;
}
