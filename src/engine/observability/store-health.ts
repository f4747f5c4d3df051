import type { EventHub } from '../event-hub.js';
import type { Store, StoreKind } from '../ports.js';

export type Readiness =
  | {
      readonly ready: true;
      readonly kind: StoreKind;
      readonly migrations: readonly string[];
      readonly headSeq: number;
    }
  | { readonly ready: false; readonly reason: string; readonly error?: unknown };

/** How the store is doing, for readiness and introspection: asked, never assumed. */
export class StoreHealth {
  readonly #store: Store;
  readonly #hub: EventHub;

  constructor(store: Store, hub: EventHub) {
    this.#store = store;
    this.#hub = hub;
  }

  get kind(): StoreKind {
    return this.#store.kind;
  }

  /** Ready when the store answers and every migration is applied. */
  async readiness(): Promise<Readiness> {
    try {
      await this.#store.ping();
      const m = await this.#store.migrationStatus();
      if (m.pending.length > 0)
        return { ready: false, reason: `migrations pending: ${m.pending.join(', ')} (run fabrica migrate)` };
      return { ready: true, kind: this.#store.kind, migrations: m.applied, headSeq: this.#hub.head };
    } catch (e) {
      return { ready: false, reason: 'store unreachable', error: e };
    }
  }

  /** An unreachable store is a fact to report, not a reason to fail the caller. */
  async status(onError: (e: unknown) => void) {
    try {
      const m = await this.#store.migrationStatus();
      return { kind: this.#store.kind, healthy: true, migrations_pending: [...m.pending] };
    } catch (e) {
      onError(e);
      return { kind: this.#store.kind, healthy: false, migrations_pending: [] };
    }
  }

  /** The committed head when the store answers, else the newest event this instance has read. */
  headSeq(): Promise<number> {
    return this.#store.headSeq().catch(() => this.#hub.head);
  }
}
