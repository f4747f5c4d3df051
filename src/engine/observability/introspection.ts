/** Counts by state, e.g. `{ draft: 2, stable: 5 }`. */
export type Counts = Readonly<Record<string, number>>;
export type CountsProvider = () => Counts | Promise<Counts>;
export type NumberProvider = () => number | Promise<number>;

/** The sections the introspection status always shows, empty until an area fills them. */
export const COUNT_SECTIONS = ['cells', 'organs', 'runs'] as const;
export type CountSection = (typeof COUNT_SECTIONS)[number];

/**
 * Where areas report what `GET /introspection/status` shows about them, without the status route
 * knowing each area: cells, organs and runs add their counts by state, approval queues their backlog.
 * Providers of one section are summed, so two areas may both count, say, runs.
 */
export class Introspection {
  readonly #counts = new Map<string, CountsProvider[]>(COUNT_SECTIONS.map((s) => [s, []]));
  readonly #pendingApprovals: NumberProvider[] = [];

  addCounts(section: CountSection, provider: CountsProvider): void {
    this.#counts.get(section)!.push(provider);
  }

  addPendingApprovals(provider: NumberProvider): void {
    this.#pendingApprovals.push(provider);
  }

  /** Every section, each summed over its providers; a failing provider is reported and left out. */
  async counts(onError: (e: unknown) => void): Promise<Record<CountSection, Record<string, number>>> {
    const out = {} as Record<CountSection, Record<string, number>>;
    for (const section of COUNT_SECTIONS) {
      const sum: Record<string, number> = {};
      for (const counts of await settled(this.#counts.get(section)!, onError)) {
        for (const [state, n] of Object.entries(counts)) sum[state] = (sum[state] ?? 0) + n;
      }
      out[section] = sum;
    }
    return out;
  }

  async pendingApprovals(onError: (e: unknown) => void): Promise<number> {
    return (await settled(this.#pendingApprovals, onError)).reduce((a, b) => a + b, 0);
  }
}

async function settled<T>(providers: readonly (() => T | Promise<T>)[], onError: (e: unknown) => void) {
  const results = await Promise.allSettled(providers.map(async (p) => p()));
  const values: T[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') values.push(r.value);
    else onError(r.reason);
  }
  return values;
}
