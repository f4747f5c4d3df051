import type { Kysely, Selectable } from 'kysely';
import type {
  Assignment,
  AssignmentResult,
  AssignmentState,
  Room,
  RoomStatus,
} from '../../domain/runs/assignments.js';
import { TERMINAL_RUN_STATUSES } from '../../domain/runs/run-model.js';
import type { AssignmentKind } from '../../domain/runs/supervisor.js';
import type { AssignmentsReads, AssignmentsRepo, RoomListQuery } from '../../engine/runs/assignment-ports.js';
import type { StoreKind } from '../../engine/ports.js';
import type { AssignmentsTable, Database, RoomsTable } from '../schema.js';

const toRoom = (r: Selectable<RoomsTable>): Room => ({
  id: r.id,
  tenant: r.tenant,
  name: r.name,
  createdAt: r.created_at,
  createdBy: r.created_by,
  purpose: r.purpose,
  status: r.status as RoomStatus,
  metadata: JSON.parse(r.metadata) as Record<string, unknown>,
});

const toAssignment = (r: Selectable<AssignmentsTable>): Assignment => ({
  id: r.id,
  tenant: r.tenant,
  roomId: r.room_id,
  runId: r.run_id,
  // Work of the whole run keeps an empty issue_id (the column predates it and is NOT NULL).
  issueId: r.issue_id === '' ? null : r.issue_id,
  kind: r.kind as AssignmentKind,
  actionKey: r.action_key,
  state: r.state as AssignmentState,
  prompt: r.prompt,
  leaseToken: r.lease_token,
  leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
  attempts: Number(r.attempts),
  result: r.result === null ? null : (JSON.parse(r.result) as AssignmentResult),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: Number(r.version),
});

/** The columns an assignment changes over its life (everything but identity and creation). */
const mutable = (a: Assignment) => ({
  state: a.state,
  lease_token: a.leaseToken,
  lease_until: a.leaseUntil,
  attempts: a.attempts,
  result: a.result === null ? null : JSON.stringify(a.result),
  updated_at: a.updatedAt,
  version: a.version,
});

/** Rooms and their inboxes; works on the database or on one transaction. */
export class AssignmentQueries implements AssignmentsReads, AssignmentsRepo {
  readonly #db: Kysely<Database>;
  readonly #kind: StoreKind;
  constructor(db: Kysely<Database>, kind: StoreKind) {
    this.#db = db;
    this.#kind = kind;
  }

  async room(id: string): Promise<Room | null> {
    const r = await this.#db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? null : toRoom(r);
  }

  async rooms(q: RoomListQuery): Promise<Room[]> {
    let query = this.#db.selectFrom('rooms').selectAll();
    if (q.tenant !== undefined) query = query.where('tenant', '=', q.tenant);
    if (q.after !== undefined) query = query.where('id', '>', q.after);
    const rows = await query.orderBy('id').limit(q.limit).execute();
    return rows.map(toRoom);
  }

  async oldestRoom(tenant: string): Promise<Room | null> {
    const r = await this.#db
      .selectFrom('rooms')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('status', '=', 'active')
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return r === undefined ? null : toRoom(r);
  }

  async setRoomStatus(id: string, status: RoomStatus): Promise<void> {
    await this.#db.updateTable('rooms').set({ status }).where('id', '=', id).execute();
  }

  async insertRoom(room: Room): Promise<void> {
    await this.#db
      .insertInto('rooms')
      .values({
        id: room.id,
        tenant: room.tenant,
        name: room.name,
        created_at: room.createdAt,
        created_by: room.createdBy,
        purpose: room.purpose,
        status: room.status,
        metadata: JSON.stringify(room.metadata),
      })
      .execute();
  }

  async assignment(id: string): Promise<Assignment | null> {
    const r = await this.#db.selectFrom('assignments').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? null : toAssignment(r);
  }

  async lockAssignment(id: string): Promise<Assignment | null> {
    let q = this.#db.selectFrom('assignments').selectAll().where('id', '=', id);
    if (this.#kind === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r === undefined ? null : toAssignment(r);
  }

  async lockClaimable(roomId: string, now: number): Promise<Assignment | null> {
    let q = this.#db
      .selectFrom('assignments')
      .selectAll()
      .where('room_id', '=', roomId)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'queued'),
          eb.and([eb('state', '=', 'leased'), eb('lease_until', '<', now)]),
        ]),
      )
      // Work of a finished run is nobody's to do any more; it stays in the table for the record.
      .where('run_id', 'in', (eb) =>
        eb
          .selectFrom('runs')
          .select('id')
          .where('status', 'not in', [...TERMINAL_RUN_STATUSES]),
      )
      .orderBy('id')
      .limit(1);
    // SQLite runs one write transaction at a time, so only PostgreSQL needs the row lock.
    if (this.#kind === 'postgres') q = q.forUpdate().skipLocked();
    const r = await q.executeTakeFirst();
    return r === undefined ? null : toAssignment(r);
  }

  async openForIssue(runId: string, issueId: string): Promise<Assignment | null> {
    const r = await this.#db
      .selectFrom('assignments')
      .selectAll()
      .where('run_id', '=', runId)
      .where('issue_id', '=', issueId)
      .where('state', 'in', ['queued', 'leased'])
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return r === undefined ? null : toAssignment(r);
  }

  async forRun(runId: string): Promise<Assignment[]> {
    const rows = await this.#db
      .selectFrom('assignments')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map(toAssignment);
  }

  async hasActionKey(runId: string, key: string): Promise<boolean> {
    const r = await this.#db
      .selectFrom('assignments')
      .select('id')
      .where('run_id', '=', runId)
      .where('action_key', '=', key)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Withdraws the run's open assignments (its run finished): nobody may work on them any more. */
  async cancelOpenForRun(runId: string, at: string): Promise<Assignment[]> {
    const open = await this.#db
      .selectFrom('assignments')
      .selectAll()
      .where('run_id', '=', runId)
      .where('state', 'in', ['queued', 'leased'])
      .execute();
    if (open.length === 0) return [];
    await this.#db
      .updateTable('assignments')
      .set((eb) => ({
        state: 'cancelled',
        lease_token: null,
        lease_until: null,
        updated_at: at,
        version: eb('version', '+', 1),
      }))
      .where('run_id', '=', runId)
      .where('state', 'in', ['queued', 'leased'])
      .execute();
    return open.map(toAssignment);
  }

  async insertAssignment(a: Assignment): Promise<void> {
    await this.#db
      .insertInto('assignments')
      .values({
        id: a.id,
        tenant: a.tenant,
        room_id: a.roomId,
        run_id: a.runId,
        issue_id: a.issueId ?? '',
        kind: a.kind,
        action_key: a.actionKey,
        prompt: a.prompt,
        created_at: a.createdAt,
        ...mutable(a),
      })
      .execute();
  }

  async updateAssignment(a: Assignment, expectedVersion: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('assignments')
      .set(mutable(a))
      .where('id', '=', a.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
