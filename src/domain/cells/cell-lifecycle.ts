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
    // A draft a training job proposed and a person (or policy) refused: it never served, and never will.
    draft: 'rolled_back',
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

/** How a cell's traffic divides among its serving revisions; worked out once per change of revisions. */
export interface TrafficSplit<R> {
  readonly candidates: readonly { readonly revision: R; readonly weight: number }[];
  readonly total: number;
}

/**
 * The newest canary takes `shares.canary` of the traffic and the newest experimental
 * `shares.experimental`, whichever other revisions exist; the most mature present revision (stable, else
 * experimental, else canary) takes the rest. So a canary beside a stable revision takes exactly its share,
 * not its share of the two shares (docs/cells.md "Traffic").
 */
export function trafficSplit<R extends { readonly state: RevisionState }>(
  revisions: readonly R[],
  shares: TrafficShares,
): TrafficSplit<R> {
  const newest = (state: RevisionState) => revisions.filter((r) => r.state === state).at(-1);
  const present = [
    { revision: newest('canary'), share: shares.canary },
    { revision: newest('experimental'), share: shares.experimental },
    { revision: newest('stable'), share: 0 },
  ].filter((c): c is { revision: R; share: number } => c.revision !== undefined);
  const candidates: { revision: R; weight: number }[] = [];
  let taken = 0;
  present.forEach((c, i) => {
    const last = i === present.length - 1;
    const weight = last ? Math.max(0, 1 - taken) : Math.min(c.share, Math.max(0, 1 - taken));
    taken += weight;
    candidates.push({ revision: c.revision, weight });
  });
  return { candidates, total: candidates.reduce((n, c) => n + c.weight, 0) };
}

/** The revision that serves one call; `roll` is uniform in [0, 1). Null when none serves. */
export function chooseRevision<R>(split: TrafficSplit<R>, roll: number): R | null {
  const { candidates, total } = split;
  const last = candidates.at(-1);
  if (last === undefined) return null;
  if (total <= 0) return last.revision;
  let at = roll * total;
  for (const c of candidates) {
    if (at < c.weight) return c.revision;
    at -= c.weight;
  }
  return last.revision;
}
