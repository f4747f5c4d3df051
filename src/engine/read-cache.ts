/**
 * Records read often and changed rarely (a cell with its revisions, an organ), kept after the first read
 * until they change. Whoever commits a change calls `invalidate` right after the commit (so this instance
 * reads its own writes), and the event hub does for every event of the subject, which covers changes
 * committed by other instances. A read that was under way while the record changed is not kept: its
 * entry was dropped by the invalidation, so the next read goes to the store again.
 *
 * Entries are shared by every caller: they must be treated as read-only.
 */
export class ReadCache<V> {
  readonly #load: (id: string) => Promise<V>;
  readonly #limit: number;
  readonly #entries = new Map<string, Promise<V>>();

  constructor(load: (id: string) => Promise<V>, limit = 10_000) {
    this.#load = load;
    this.#limit = limit;
  }

  get(id: string): Promise<V> {
    const known = this.#entries.get(id);
    if (known !== undefined) return known;
    const loading = this.#load(id);
    this.#entries.set(id, loading);
    // A failed read is not remembered.
    loading.catch(() => {
      if (this.#entries.get(id) === loading) this.#entries.delete(id);
    });
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return loading;
  }

  invalidate(id: string): void {
    this.#entries.delete(id);
  }
}
