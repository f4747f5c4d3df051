/** Revision states. `deprecated`, `disabled`, `rolled_back` and `failed` serve no traffic. */
export const REVISION_STATES = [
  'draft',
  'canary',
  'experimental',
  'stable',
  'deprecated',
  'disabled',
  'rolled_back',
  'healing',
  'failed',
] as const;
export type RevisionState = (typeof REVISION_STATES)[number];

export const LIFECYCLE_COMMANDS = ['approve', 'disable', 'rollback', 'auto_heal', 'auto_rollback'] as const;
export type LifecycleCommand = (typeof LIFECYCLE_COMMANDS)[number];

/** The one table of legal moves: command → from-state → to-state. */
const MOVES: Readonly<Record<LifecycleCommand, Partial<Record<RevisionState, RevisionState>>>> = {
  approve: { draft: 'canary', canary: 'experimental', experimental: 'stable' },
  disable: {
    draft: 'disabled',
    canary: 'disabled',
    experimental: 'disabled',
    stable: 'disabled',
    failed: 'disabled',
  },
  rollback: {
    canary: 'rolled_back',
    experimental: 'rolled_back',
    stable: 'rolled_back',
    failed: 'rolled_back',
  },
  auto_heal: {
    draft: 'healing',
    canary: 'healing',
    experimental: 'healing',
    stable: 'healing',
    failed: 'healing',
  },
  auto_rollback: {
    canary: 'rolled_back',
    experimental: 'rolled_back',
    stable: 'rolled_back',
    failed: 'rolled_back',
    healing: 'rolled_back',
  },
};

export type Move =
  | { readonly ok: true; readonly to: RevisionState }
  | { readonly ok: false; readonly allowed: LifecycleCommand[] };

export function nextState(from: RevisionState, command: LifecycleCommand): Move {
  const to = MOVES[command][from];
  if (to !== undefined) return { ok: true, to };
  return { ok: false, allowed: allowedCommands(from) };
}

export const allowedCommands = (from: RevisionState): LifecycleCommand[] =>
  LIFECYCLE_COMMANDS.filter((c) => MOVES[c][from] !== undefined);

/** States that take traffic, with their default share when no stable revision takes the rest. */
export const SERVING_STATES: readonly RevisionState[] = ['canary', 'experimental', 'stable'];
export const isServing = (s: RevisionState): boolean => SERVING_STATES.includes(s);

export interface TrafficShares {
  readonly canary: number;
  readonly experimental: number;
}

/**
 * Picks the revision that serves one call. `roll` is uniform in [0, 1). The newest canary takes
 * `shares.canary` of the traffic, the newest experimental `shares.experimental`, the stable revision the
 * rest; when some are missing, the present ones split the traffic in proportion to their shares.
 */
export function pickRevision<R extends { readonly state: RevisionState }>(
  revisions: readonly R[],
  shares: TrafficShares,
  roll: number,
): R | null {
  const newest = (state: RevisionState) => revisions.filter((r) => r.state === state).at(-1);
  const stable = newest('stable');
  const candidates: [R, number][] = [];
  const canary = newest('canary');
  const experimental = newest('experimental');
  if (canary) candidates.push([canary, shares.canary]);
  if (experimental) candidates.push([experimental, shares.experimental]);
  if (stable) candidates.push([stable, Math.max(0, 1 - shares.canary - shares.experimental)]);
  const total = candidates.reduce((n, [, w]) => n + w, 0);
  if (candidates.length === 0) return null;
  if (total <= 0) return candidates.at(-1)![0];
  let at = roll * total;
  for (const [r, w] of candidates) {
    if (at < w) return r;
    at -= w;
  }
  return candidates.at(-1)![0];
}
