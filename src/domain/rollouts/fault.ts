/**
 * Fault drills (docs/rollouts.md): a template's `metadata.fault` makes a share of its calls fail and
 * delays each, as Istio's fault injection does, so that operators can rehearse a rollback.
 */
export interface Fault {
  readonly error_rate: number;
  readonly delay_ms: number;
}

export const MAX_FAULT_DELAY_MS = 60_000;

/** The fault a template's metadata asks for: absent → null; malformed → a problem. */
export function readFault(metadata: Readonly<Record<string, unknown>>): {
  fault: Fault | null;
  problem: string | null;
} {
  const raw = metadata.fault;
  if (raw === undefined) return { fault: null, problem: null };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { fault: null, problem: 'metadata.fault must be an object {error_rate, delay_ms}' };
  const { error_rate = 0, delay_ms = 0, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    return { fault: null, problem: `metadata.fault.${unknown[0]} is not a fault field` };
  if (typeof error_rate !== 'number' || !(error_rate >= 0 && error_rate <= 1))
    return { fault: null, problem: 'metadata.fault.error_rate must be a number from 0 to 1' };
  if (
    typeof delay_ms !== 'number' ||
    !Number.isInteger(delay_ms) ||
    delay_ms < 0 ||
    delay_ms > MAX_FAULT_DELAY_MS
  )
    return {
      fault: null,
      problem: `metadata.fault.delay_ms must be an integer from 0 to ${MAX_FAULT_DELAY_MS}`,
    };
  return { fault: { error_rate, delay_ms }, problem: null };
}
