import type { Run, RunAggregate } from '../../domain/runs/run-model.js';
import type { AggregateMemory } from './runs.repo.js';

/** Runs whose records are remembered at most; past it the least recently used run is forgotten. */
export const RUN_AGGREGATE_CACHE_RUNS = 1_000;

/**
 * The records of recently changed runs, each as of one run version, so that a change does not read a
 * run's records again when it already knows them. A run's records change only together with its version
 * (every write of them bumps it), so records remembered for the version that the run's locked row shows
 * are exactly what a read would return, whichever instance wrote them; any other version is a miss.
 *
 * What a transaction learns is only remembered once it has committed (`TxAggregates.publish`): a
 * transaction that rolls back must not leave a version behind that another change could later reuse.
 * Aggregates handed out are frozen, one level deep, so that no use case can change the remembered copy.
 */
export class RunAggregateCache implements AggregateMemory {
  readonly #entries = new Map<string, RunAggregate>();
  readonly #limit: number;

  constructor(limit = RUN_AGGREGATE_CACHE_RUNS) {
    this.#limit = limit;
  }

  /** How many runs are remembered now (never more than the limit). */
  get size(): number {
    return this.#entries.size;
  }

  /** The records remembered for exactly this version of the run, with the run as given. */
  get(run: Run): RunAggregate | undefined {
    const known = this.#entries.get(run.id);
    if (known === undefined || known.run.version !== run.version) return undefined;
    // Most recently used last: eviction takes the first.
    this.#entries.delete(run.id);
    this.#entries.set(run.id, known);
    return known.run === run ? known : { ...known, run };
  }

  learn(agg: RunAggregate): void {
    this.#entries.delete(agg.run.id);
    this.#entries.set(agg.run.id, freezeAggregate(agg));
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  unknown(runId: string): void {
    this.#entries.delete(runId);
  }
}

/** What one transaction learnt about runs' records, remembered only if it commits. */
export class TxAggregates implements AggregateMemory {
  readonly #cache: RunAggregateCache;
  readonly #learnt = new Map<string, RunAggregate | null>();

  constructor(cache: RunAggregateCache) {
    this.#cache = cache;
  }

  /** The records this transaction read or wrote last for the run, else the shared cache's. */
  get(run: Run): RunAggregate | undefined {
    const learnt = this.#learnt.get(run.id);
    if (learnt === null) return undefined;
    if (learnt !== undefined) return learnt.run.version === run.version ? { ...learnt, run } : undefined;
    return this.#cache.get(run);
  }

  learn(agg: RunAggregate): void {
    this.#learnt.set(agg.run.id, freezeAggregate(agg));
  }

  /** The run's records changed in a way not worked out here: nobody may trust a remembered copy. */
  unknown(runId: string): void {
    this.#learnt.set(runId, null);
  }

  /** Call once the transaction has committed. */
  publish(): void {
    for (const [id, agg] of this.#learnt) {
      if (agg === null) this.#cache.unknown(id);
      else this.#cache.learn(agg);
    }
    this.#learnt.clear();
  }
}

function freezeAggregate(agg: RunAggregate): RunAggregate {
  if (Object.isFrozen(agg)) return agg;
  for (const list of [agg.stages, agg.issues, agg.checkpoints, agg.artifacts, agg.gates]) {
    for (const record of list) Object.freeze(record);
    Object.freeze(list);
  }
  return Object.freeze(agg);
}
