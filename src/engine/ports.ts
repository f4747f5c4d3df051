import type { EventFilter, EventRecord, NewEvent } from '../domain/event.js';
import type { NewTimer, TimerRecord } from '../domain/timer.js';
import type { AccessRepo, AccessReads } from './access/access-ports.js';
import type { AssignmentsReads, AssignmentsRepo } from './runs/assignment-ports.js';
import type { RunsReads, RunsRepo } from './runs/run-ports.js';
import type { CellsReads, CellsRepo } from './cells/cell-ports.js';
import type { OrgansReads, OrgansRepo } from './organs/organ-ports.js';
import type { CommandsReads, CommandsRepo } from './commands/command-ports.js';
import type { RolloutsReads, RolloutsRepo } from './rollouts/rollout-ports.js';
import type { WebhooksReads, WebhooksRepo } from './webhooks/webhook-ports.js';
import type { TrainingReads, TrainingRepo } from './training/training-ports.js';

export type StoreKind = 'sqlite' | 'postgres';

/** The write side of one transaction: every state change and the events describing it commit together. */
export interface Tx {
  /** Queues an event; it is numbered, chained and written just before commit. */
  appendEvent(event: NewEvent): Promise<void>;
  scheduleTimer(timer: NewTimer): Promise<string>;
  cancelTimer(id: string): Promise<boolean>;
  /** Cancels every pending timer of one subject (and action, if given); returns how many. */
  cancelTimersFor(subjectKind: string, subjectId: string, action?: string): Promise<number>;
  hasPendingTimer(subjectKind: string, subjectId: string, action: string): Promise<boolean>;
  readonly access: AccessRepo;
  readonly runs: RunsRepo;
  readonly cells: CellsRepo;
  readonly organs: OrgansRepo;
  readonly assignments: AssignmentsRepo;
  readonly commands: CommandsRepo;
  readonly rollouts: RolloutsRepo;
  readonly webhooks: WebhooksRepo;
  readonly training: TrainingRepo;
}

/** A due timer claimed inside a transaction: exactly one transaction holds it until commit. */
export interface TimerTx extends Tx {
  claimDueTimer(now: number): Promise<TimerRecord | null>;
  markTimerFired(id: string, now: number): Promise<void>;
  recordTimerFailure(id: string, error: string, retryAt: number | null): Promise<void>;
}

export interface MigrationStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

/** What a commit changed, as `onCommitted` listeners are told. */
export interface Committed {
  readonly events: boolean;
  readonly timers: boolean;
  /**
   * The events the transaction appended, in seq order, when it ran in this process; absent when the
   * wake-up came from another instance (whose events must be read from the store).
   */
  readonly appended?: readonly EventRecord[];
  /**
   * The events this process's transaction wrote, in the order appended, sealed or not (on PostgreSQL
   * they are numbered later, and `appended` comes with the sealing); absent for other instances' commits.
   */
  readonly wrote?: readonly Omit<EventRecord, 'seq' | 'prevHash' | 'hash'>[];
}

export interface Store {
  readonly kind: StoreKind;
  /**
   * Runs `work` in one transaction; `onCommitted` listeners see the events it appended. Inside `work`, use
   * only `tx`: a query on the store itself does not see the transaction's own writes (and on an in-memory
   * SQLite database, with its one connection, it would wait for the transaction forever).
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  timerTransaction<T>(work: (tx: TimerTx) => Promise<T>): Promise<T>;
  eventsAfter(afterSeq: number, limit: number, filter?: EventFilter): Promise<EventRecord[]>;
  eventsBetween(fromSeq: number, toSeq: number): Promise<EventRecord[]>;
  headSeq(): Promise<number>;
  /** Events committed but not yet numbered and chained (PostgreSQL's sealer has them next), and the oldest one's time. */
  unsealed(): Promise<{ readonly count: number; readonly oldestTs: string | null }>;
  nextTimerDue(): Promise<number | null>;
  timersFor(subjectKind: string, subjectId: string): Promise<TimerRecord[]>;
  /** Pending timers due at or before `dueBy` (the watchdog's "work stuck past its deadline"), oldest first. */
  overdueTimers(dueBy: number, limit: number): Promise<TimerRecord[]>;
  readonly access: AccessReads;
  readonly runs: RunsReads;
  readonly cells: CellsReads;
  readonly organs: OrgansReads;
  readonly assignments: AssignmentsReads;
  readonly commands: CommandsReads;
  readonly rollouts: RolloutsReads;
  readonly webhooks: WebhooksReads;
  readonly training: TrainingReads;
  /** Runs whose records this instance remembers (bounded; see the run aggregate cache), for `/metrics`. */
  readonly cachedRuns: number;
  /** Called after a commit here, or (PostgreSQL) when another instance commits events or timers. */
  onCommitted(listener: (what: Committed) => void): () => void;
  ping(): Promise<void>;
  migrationStatus(): Promise<MigrationStatus>;
  migrate(): Promise<readonly string[]>;
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
