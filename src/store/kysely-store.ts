import { Migrator, sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { EventFilter, EventRecord, NewEvent } from '../domain/event.js';
import type { NewTimer, TimerRecord } from '../domain/timer.js';
import type { Committed, MigrationStatus, Store, StoreKind, TimerTx } from '../engine/ports.js';
import { AccessQueries } from './repos/access.repo.js';
import { AssignmentQueries } from './repos/assignments.repo.js';
import { RunAggregateCache, TxAggregates } from './repos/run-aggregate-cache.js';
import { RunQueries } from './repos/runs.repo.js';
import { CellQueries } from './repos/cells.repo.js';
import { OrganQueries } from './repos/organs.repo.js';
import { CommandQueries } from './repos/commands.repo.js';
import { RolloutQueries } from './repos/rollouts.repo.js';
import { WebhookQueries } from './repos/webhooks.repo.js';
import { TrainingQueries } from './repos/training.repo.js';
import type { GroupCommit } from './group-commit.js';
import { EventSealer, type SealerOptions } from './postgres/event-sealer.js';
import {
  EventAppender,
  eventsAfter,
  eventsBetween,
  headSeq,
  unsealedSummary,
} from './repos/event-log.repo.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';
import * as timers from './repos/timers.repo.js';

type CommitListener = (what: Committed) => void;
/** Told the duration of every transaction and whether it committed (metrics read it). */
export type TransactionListener = (durationMs: number, ok: boolean) => void;

/** Cross-instance wake-ups (PostgreSQL LISTEN/NOTIFY); absent on SQLite, where one process owns the file. */
export interface Notifier {
  /** Queues a notification inside the transaction: delivered to every instance only if it commits. */
  notifyInTx(trx: Transaction<Database>, what: { events: boolean; timers: boolean }): Promise<void>;
  /** The same as an expression, for a statement the transaction runs anyway (the event flush's). */
  notifyExpression(what: { events: boolean; timers: boolean }): RawBuilder<unknown>;
  listen(listener: CommitListener): Promise<void>;
  close(): Promise<void>;
}

class KyselyTx implements TimerTx {
  readonly events: EventAppender;
  readonly access: AccessQueries;
  readonly runs: RunQueries;
  readonly cells: CellQueries;
  readonly organs: OrganQueries;
  readonly assignments: AssignmentQueries;
  readonly commands: CommandQueries;
  readonly rollouts: RolloutQueries;
  readonly webhooks: WebhookQueries;
  readonly training: TrainingQueries;
  timersChanged = false;
  /** What this transaction learnt of runs' records: remembered once it commits. */
  readonly aggregates: TxAggregates;
  readonly #trx: Transaction<Database>;
  readonly #kind: StoreKind;
  readonly #now: () => number;

  constructor(
    trx: Transaction<Database>,
    kind: StoreKind,
    now: () => number,
    aggregates: RunAggregateCache,
    channel: string,
  ) {
    this.#trx = trx;
    this.#kind = kind;
    this.#now = now;
    this.aggregates = new TxAggregates(aggregates);
    this.events = new EventAppender(trx, kind, now, channel);
    this.access = new AccessQueries(trx, now, kind);
    this.runs = new RunQueries(trx, kind, this.aggregates);
    this.cells = new CellQueries(trx, kind);
    this.organs = new OrganQueries(trx, kind);
    this.assignments = new AssignmentQueries(trx, kind);
    this.commands = new CommandQueries(trx);
    this.rollouts = new RolloutQueries(trx);
    this.webhooks = new WebhookQueries(trx, kind);
    this.training = new TrainingQueries(trx, kind);
  }

  async appendEvent(event: NewEvent): Promise<void> {
    this.events.append(event);
  }
  scheduleTimer(timer: NewTimer): Promise<string> {
    this.timersChanged = true;
    return timers.scheduleTimer(this.#trx, timer, this.#now());
  }
  cancelTimer(id: string): Promise<boolean> {
    return timers.cancelTimer(this.#trx, id);
  }
  cancelTimersFor(subjectKind: string, subjectId: string, action?: string): Promise<number> {
    return timers.cancelTimersFor(this.#trx, subjectKind, subjectId, action);
  }
  hasPendingTimer(subjectKind: string, subjectId: string, action: string): Promise<boolean> {
    return timers.hasPendingTimer(this.#trx, subjectKind, subjectId, action);
  }
  claimDueTimer(now: number): Promise<TimerRecord | null> {
    return timers.claimDueTimer(this.#trx, this.#kind, now);
  }
  markTimerFired(id: string, now: number): Promise<void> {
    return timers.markTimerFired(this.#trx, id, now);
  }
  recordTimerFailure(id: string, error: string, retryAt: number | null): Promise<void> {
    return timers.recordTimerFailure(this.#trx, id, error, retryAt);
  }
}

export interface StoreOptions {
  /** PostgreSQL schema holding the tables (and Kysely's migration bookkeeping). */
  readonly schema?: string;
  /**
   * Where reads outside a transaction go (default: the same handle). On SQLite a second, read-only
   * connection: in WAL mode it sees only committed data and never waits for a writer.
   */
  readonly reader?: Kysely<Database>;
  /** Carries concurrent transactions in one commit (SQLite); absent: one database transaction each. */
  readonly groupCommit?: GroupCommit;
  /** PostgreSQL: events are written unsealed and sealed by an `EventSealer` with these settings. */
  readonly sealing?: Omit<SealerOptions, 'onSealed'>;
}

/** The one store implementation; the dialect (SQLite or PostgreSQL) is chosen by whoever opens it. */
export class KyselyStore implements Store {
  readonly kind: StoreKind;
  readonly access: AccessQueries;
  readonly runs: RunQueries;
  readonly cells: CellQueries;
  readonly organs: OrganQueries;
  readonly assignments: AssignmentQueries;
  readonly commands: CommandQueries;
  readonly rollouts: RolloutQueries;
  readonly webhooks: WebhookQueries;
  readonly training: TrainingQueries;
  readonly #db: Kysely<Database>;
  readonly #reader: Kysely<Database>;
  readonly #groupCommit: GroupCommit | null;
  readonly #notifier: Notifier | null;
  readonly #now: () => number;
  readonly #listeners = new Set<CommitListener>();
  readonly #txListeners = new Set<TransactionListener>();
  readonly #sealWaitListeners = new Set<(ms: number) => void>();
  readonly #aggregates = new RunAggregateCache();
  readonly #sealer: EventSealer | null;
  readonly #channel: string;
  #closed = false;

  get cachedRuns(): number {
    return this.#aggregates.size;
  }

  /** PostgreSQL schema holding the tables (and Kysely's migration bookkeeping); null on SQLite. */
  readonly #schema: string | null;

  constructor(
    db: Kysely<Database>,
    kind: StoreKind,
    notifier: Notifier | null,
    now: () => number,
    options: StoreOptions = {},
  ) {
    this.#schema = options.schema ?? null;
    this.#db = db;
    this.#reader = options.reader ?? db;
    this.#groupCommit = options.groupCommit ?? null;
    this.#channel = options.sealing?.channel ?? '';
    this.#sealer =
      options.sealing === undefined
        ? null
        : new EventSealer(db, {
            ...options.sealing,
            onSealed: (appended) => this.#emit({ events: true, timers: false, appended }),
          });
    const reader = this.#reader;
    this.kind = kind;
    this.#notifier = notifier;
    this.#now = now;
    this.access = new AccessQueries(reader, now, kind);
    // Reads outside a transaction see committed data only: what they learn is remembered at once.
    this.runs = new RunQueries(reader, kind, this.#aggregates);
    this.cells = new CellQueries(reader, kind);
    this.organs = new OrganQueries(reader, kind);
    this.assignments = new AssignmentQueries(reader, kind);
    this.commands = new CommandQueries(reader);
    this.rollouts = new RolloutQueries(reader);
    this.webhooks = new WebhookQueries(reader, kind);
    this.training = new TrainingQueries(reader, kind);
  }

  /** What this instance's sealer did (PostgreSQL); null where transactions seal their own events. */
  get sealing(): EventSealer['stats'] | null {
    return this.#sealer?.stats ?? null;
  }

  /** Starts cross-instance wake-ups and the sealer; call once after migrating. */
  async start(): Promise<void> {
    await this.#notifier?.listen((what) => {
      // Another instance sealed: a writer here may be waiting for exactly those events.
      if (what.events) this.#sealer?.onRemoteSealing();
      this.#emit(what);
    });
    this.#sealer?.start();
  }

  transaction<T>(work: (tx: KyselyTx) => Promise<T>): Promise<T> {
    return this.timerTransaction(work);
  }

  async timerTransaction<T>(work: (tx: KyselyTx) => Promise<T>): Promise<T> {
    const started = performance.now();
    let ok = false;
    try {
      const result = await this.#transact(work);
      ok = true;
      return result;
    } finally {
      const ms = performance.now() - started;
      for (const l of this.#txListeners) l(ms, ok);
    }
  }

  async #transact<T>(work: (tx: KyselyTx) => Promise<T>): Promise<T> {
    const inTransaction = async (trx: Transaction<Database>) => {
      const tx = new KyselyTx(trx, this.kind, this.#now, this.#aggregates, this.#channel);
      const value = await work(tx);
      // Other instances hear of new timers now; of new events when they are sealed (the sealer notifies).
      const notify =
        this.#notifier !== null && tx.timersChanged
          ? this.#notifier.notifyExpression({ events: this.#sealer === null, timers: true })
          : undefined;
      // With events, the notification rides along with the flush's statement (one round trip fewer).
      if (tx.events.appended > 0) await tx.events.flush(notify);
      else if (notify !== undefined) await this.#notifier!.notifyInTx(trx, { events: false, timers: true });
      return [value, tx] as const;
    };
    const [result, tx] =
      this.#groupCommit === null
        ? await this.#db.transaction().execute(inTransaction)
        : await this.#groupCommit.run(inTransaction);
    tx.aggregates.publish();
    // Answered once its events are in the log, so a read after this write sees them; no lock is held.
    const xid = tx.events.unsealedXid;
    if (xid !== null && this.#sealer !== null) {
      const committed = performance.now();
      await this.#sealer.sealed(xid);
      const waited = performance.now() - committed;
      for (const l of this.#sealWaitListeners) l(waited);
    }
    // Sealed inline: counted as this instance's sealing (and other writers here may wait for it).
    if (this.#sealer !== null && tx.events.written.length > 0)
      this.#sealer.sealedInline(tx.events.written.length);
    if (tx.events.appended > 0 || tx.timersChanged) {
      // Events sealed by the transaction itself go out with it; the sealer announces its own.
      const written = tx.events.written;
      this.#emit({
        events: written.length > 0,
        timers: tx.timersChanged,
        ...(written.length > 0 ? { appended: written } : {}),
        wrote: tx.events.wrote,
      });
    }
    return result;
  }

  eventsAfter(afterSeq: number, limit: number, filter?: EventFilter): Promise<EventRecord[]> {
    return eventsAfter(this.#reader, afterSeq, limit, filter);
  }
  eventsBetween(fromSeq: number, toSeq: number): Promise<EventRecord[]> {
    return eventsBetween(this.#reader, fromSeq, toSeq);
  }
  headSeq(): Promise<number> {
    return headSeq(this.#reader);
  }
  unsealed(): Promise<{ count: number; oldestTs: string | null }> {
    return unsealedSummary(this.#reader);
  }
  nextTimerDue(): Promise<number | null> {
    return timers.nextTimerDue(this.#reader);
  }
  timersFor(subjectKind: string, subjectId: string): Promise<TimerRecord[]> {
    return timers.timersFor(this.#reader, subjectKind, subjectId);
  }
  overdueTimers(dueBy: number, limit: number): Promise<TimerRecord[]> {
    return timers.overdueTimers(this.#reader, dueBy, limit);
  }

  /** Observes every transaction's duration and outcome; returns the unsubscribe function. */
  onTransaction(listener: TransactionListener): () => void {
    this.#txListeners.add(listener);
    return () => this.#txListeners.delete(listener);
  }

  /** Observes how long each writer waited, after its commit, for its events' sealing (PostgreSQL). */
  onSealWait(listener: (ms: number) => void): () => void {
    this.#sealWaitListeners.add(listener);
    return () => this.#sealWaitListeners.delete(listener);
  }

  onCommitted(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(what: Committed): void {
    for (const l of this.#listeners) l(what);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  async migrationStatus(): Promise<MigrationStatus> {
    const all = await this.#despiteVanishedSchemas(() => this.#migrator().getMigrations());
    return {
      applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
      pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
    };
  }

  async migrate(): Promise<readonly string[]> {
    const results = await this.#despiteVanishedSchemas(async () => {
      const { error, results } = await this.#migrator().migrateToLatest();
      if (error !== undefined) throw error instanceof Error ? error : new Error(JSON.stringify(error));
      return results ?? [];
    });
    return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  /**
   * Kysely's migrator lists the tables of every schema of the database before it takes its lock; a
   * schema dropped meanwhile by someone else (another deployment's, a test's) fails that listing with
   * "schema … does not exist". Nothing was changed then: try again, a few times.
   */
  async #despiteVanishedSchemas<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (e) {
        const vanished =
          (e as { code?: string }).code === '3F000' &&
          this.#schema !== null &&
          !String((e as Error).message).includes(`"${this.#schema}"`);
        if (!vanished || attempt >= 5) throw e;
      }
    }
  }

  #migrator(): Migrator {
    return new Migrator({
      db: this.#db,
      provider: migrationProvider,
      // Named explicitly: otherwise Kysely may find its bookkeeping tables in another schema of the database.
      ...(this.#schema === null ? {} : { migrationTableSchema: this.#schema }),
    });
  }

  /** Raw access for the tests' tamper checks and for the benchmark's baseline; not for use cases. */
  get db(): Kysely<Database> {
    return this.#db;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sealer?.stop();
    this.#listeners.clear();
    this.#txListeners.clear();
    this.#sealWaitListeners.clear();
    await this.#notifier?.close();
    await this.#db.destroy();
    if (this.#reader !== this.#db) await this.#reader.destroy();
  }
}
