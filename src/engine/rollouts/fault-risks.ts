import { isEnabled, type CapabilityLevel } from '../../domain/capabilities.js';
import type { CellTemplate } from '../../domain/cells/cell-template.js';
import { readFault } from '../../domain/rollouts/fault.js';
import type { Risk } from '../../domain/risks.js';

/** What a dry run says of a template's `metadata.fault` (docs/rollouts.md "Fault drills"). */
export function faultRisks(
  template: CellTemplate,
  level: CapabilityLevel,
): Risk<'fault_injection_locked' | 'invalid_fault'>[] {
  if (template.metadata.fault === undefined) return [];
  const { problem } = readFault(template.metadata);
  const risks: Risk<'fault_injection_locked' | 'invalid_fault'>[] = [];
  if (problem !== null) risks.push({ code: 'invalid_fault', severity: 'blocking', message: problem });
  if (!isEnabled(level))
    risks.push({
      code: 'fault_injection_locked',
      severity: 'blocking',
      message: 'metadata.fault needs the capability fault_injection, which is locked',
    });
  return risks;
}
