import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { NewTimer, TimerRecord, TimerState } from '../../domain/timer.js';
import type { Selectable } from 'kysely';
import type { Database, TimersTable } from '../schema.js';
import type { StoreKind } from '../../engine/ports.js';

const toTimerRecord = (r: Selectable<TimersTable>): TimerRecord => ({
  id: r.id,
  dueAt: Number(r.due_at),
  subjectKind: r.subject_kind,
  subjectId: r.subject_id,
  action: r.action,
  payload: JSON.parse(r.payload) as unknown,
  state: r.state as TimerState,
  attempts: Number(r.attempts),
  lastError: r.last_error,
  createdAt: r.created_at,
  firedAt: r.fired_at,
});

export async function scheduleTimer(trx: Transaction<Database>, t: NewTimer, now: number): Promise<string> {
  const id = `tmr_${randomBytes(12).toString('base64url')}`;
  await trx
    .insertInto('timers')
    .values({
      id,
      due_at: Math.round(t.at),
      subject_kind: t.subjectKind,
      subject_id: t.subjectId,
      action: t.action,
      payload: JSON.stringify(t.payload ?? {}),
      state: 'pending',
      last_error: null,
      created_at: new Date(now).toISOString(),
      fired_at: null,
    })
    .execute();
  return id;
}

export async function cancelTimer(trx: Transaction<Database>, id: string): Promise<boolean> {
  const r = await trx
    .updateTable('timers')
    .set({ state: 'cancelled' })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function cancelTimersFor(
  trx: Transaction<Database>,
  subjectKind: string,
  subjectId: string,
  action?: string,
): Promise<number> {
  let q = trx
    .updateTable('timers')
    .set({ state: 'cancelled' })
    .where('subject_kind', '=', subjectKind)
    .where('subject_id', '=', subjectId)
    .where('state', '=', 'pending');
  if (action !== undefined) q = q.where('action', '=', action);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The oldest due timer, row-locked on PostgreSQL so that concurrent instances each take a different one. */
export async function claimDueTimer(
  trx: Transaction<Database>,
  kind: StoreKind,
  now: number,
): Promise<TimerRecord | null> {
  let q = trx
    .selectFrom('timers')
    .selectAll()
    .where('state', '=', 'pending')
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .limit(1);
  if (kind === 'postgres') q = q.forUpdate().skipLocked();
  const row = await q.executeTakeFirst();
  return row === undefined ? null : toTimerRecord(row);
}

export async function markTimerFired(trx: Transaction<Database>, id: string, now: number): Promise<void> {
  await trx
    .updateTable('timers')
    .set((eb) => ({
      state: 'fired',
      fired_at: new Date(now).toISOString(),
      attempts: eb('attempts', '+', 1),
    }))
    .where('id', '=', id)
    .execute();
}

export async function recordTimerFailure(
  trx: Transaction<Database>,
  id: string,
  error: string,
  retryAt: number | null,
): Promise<void> {
  await trx
    .updateTable('timers')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 2000),
      ...(retryAt === null ? { state: 'failed' } : { due_at: Math.round(retryAt) }),
    }))
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

export async function nextTimerDue(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('timers')
    .select((eb) => eb.fn.min('due_at').as('due'))
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return row?.due === null || row?.due === undefined ? null : Number(row.due);
}

export async function timersFor(
  db: Kysely<Database>,
  subjectKind: string,
  subjectId: string,
): Promise<TimerRecord[]> {
  const rows = await db
    .selectFrom('timers')
    .selectAll()
    .where('subject_kind', '=', subjectKind)
    .where('subject_id', '=', subjectId)
    .orderBy('due_at')
    .execute();
  return rows.map(toTimerRecord);
}

/** Pending timers due at or before `dueBy`, oldest first: work the scheduler has not done in time. */
export async function overdueTimers(
  db: Kysely<Database>,
  dueBy: number,
  limit: number,
): Promise<TimerRecord[]> {
  const rows = await db
    .selectFrom('timers')
    .selectAll()
    .where('state', '=', 'pending')
    .where('due_at', '<=', Math.floor(dueBy))
    .orderBy('due_at')
    .limit(limit)
    .execute();
  return rows.map(toTimerRecord);
}

/** Plain read, no lock: a transaction may ask without queueing behind the scheduler's claim of the row. */
export async function hasPendingTimer(
  trx: Transaction<Database>,
  subjectKind: string,
  subjectId: string,
  action: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('timers')
    .select('id')
    .where('subject_kind', '=', subjectKind)
    .where('subject_id', '=', subjectId)
    .where('action', '=', action)
    .where('state', '=', 'pending')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
