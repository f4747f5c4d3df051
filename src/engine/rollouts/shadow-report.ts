import type { CellAggregate, Revision } from '../../domain/cells/cell-model.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { quantileMs } from '../../domain/rollouts/call-stats.js';
import type { ShadowPolicy } from '../../domain/rollouts/rollout-policy.js';
import {
  addShadow,
  emptyShadow,
  SHADOW_SAMPLES,
  shadowTarget,
  type ShadowSample,
  type ShadowStats,
} from '../../domain/rollouts/shadow.js';
import type { RolloutsReads } from './rollout-ports.js';

export interface ShadowReport {
  readonly cell: string;
  readonly revision: Revision;
  /** Whether this revision is the one receiving mirrored calls now. */
  readonly current: boolean;
  readonly policy: ShadowPolicy;
  readonly stats: ShadowStats;
  readonly p95Ms: number | null;
  readonly samples: readonly ShadowSample[];
}

/** Sums a shadow revision's rows over [fromMinute, toMinute]; the newest differences over all rows. */
export async function shadowTotals(
  reads: { readonly rollouts: RolloutsReads },
  revisionId: string,
  fromMinute: number,
  toMinute: number,
): Promise<{ stats: ShadowStats; samples: ShadowSample[] }> {
  const stats = emptyShadow();
  const ranked: { sample: ShadowSample; rank: number }[] = [];
  for (const row of await reads.rollouts.shadowStats(revisionId, fromMinute, toMinute)) {
    addShadow(stats, row.stats);
    // A row's samples are in the order its instance finished them; rank 0 is its newest.
    row.samples.forEach((sample, i) => ranked.push({ sample, rank: row.samples.length - 1 - i }));
  }
  // Many mirrored calls finish within one millisecond: on a tie, each instance's newest comes first,
  // then each one's next, so no instance's newest differences are crowded out by another's.
  ranked.sort((x, y) => y.sample.at - x.sample.at || x.rank - y.rank);
  return { stats, samples: ranked.slice(0, SHADOW_SAMPLES).map((r) => r.sample) };
}

/**
 * The shadow report of one revision (default: the one the calls are mirrored to now, else the newest)
 * over the retained rollups.
 */
export async function shadowReport(
  reads: { readonly rollouts: RolloutsReads },
  agg: CellAggregate,
  policy: ShadowPolicy,
  nowMinute: number,
  version?: string,
): Promise<Result<ShadowReport>> {
  const target = shadowTarget(agg.revisions);
  const revision =
    version === undefined
      ? (target ?? agg.revisions.at(-1))
      : agg.revisions.find((r) => r.templateVersion === version);
  if (revision === undefined)
    return fail(
      'not_found',
      `cell ${agg.cell.id} has no revision${version === undefined ? '' : ` ${version}`}`,
    );
  const { stats, samples } = await shadowTotals(reads, revision.id, 0, nowMinute);
  return ok({
    cell: agg.cell.id,
    revision,
    current: policy.enabled && target?.id === revision.id,
    policy,
    stats,
    p95Ms: quantileMs(stats.hist, 0.95),
    samples,
  });
}
