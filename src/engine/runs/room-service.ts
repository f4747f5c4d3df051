import { actorOf, type Principal } from '../../domain/access.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { Room } from '../../domain/runs/assignments.js';
import type { RoomInput } from '../../domain/runs/room-input.js';
import type { IdGenerator } from '../ids.js';
import type { Clock, Store, Tx } from '../ports.js';
import type { AssignmentsReads, AssignmentsRepo, RoomListQuery } from './assignment-ports.js';
import type { Caller } from './run-service.js';

/** Rooms: the bounded place a tenant's dispatched prompts wait for a worker (the seed's execution primitive). */
export class RoomService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;

  constructor(store: Store, clock: Clock, ids: IdGenerator) {
    this.#store = store;
    this.#clock = clock;
    this.#ids = ids;
  }

  async create(input: { tenant: string } & RoomInput, principal: Principal): Promise<Room> {
    const id = this.#ids.next('room');
    const room: Room = {
      id,
      tenant: input.tenant,
      name: input.name ?? id,
      createdAt: new Date(this.#clock.now()).toISOString(),
      createdBy: actorOf(principal),
      purpose: input.purpose,
      status: 'active',
      metadata: input.metadata,
    };
    await this.#store.transaction(async (tx) => {
      await tx.assignments.insertRoom(room);
      await tx.appendEvent({
        type: 'room.created',
        subjectKind: 'room',
        subjectId: room.id,
        tenant: room.tenant,
        actor: room.createdBy,
        data: {
          action: 'room.create',
          after: { name: room.name, tenant: room.tenant, purpose: room.purpose, status: room.status },
        },
      });
    });
    return room;
  }

  /**
   * Closes a room: nothing more is dispatched to it (a dispatch naming it is refused, one naming no room
   * goes to the tenant's oldest active room). Work already queued in it stays claimable, so nothing
   * dispatched is lost.
   */
  close(id: string, caller: Caller, principal: Principal): Promise<Result<Room>> {
    return this.#store.transaction(async (tx) => {
      const found = await visibleRoom(tx.assignments, id, caller);
      if (!found.ok) return found;
      if (found.value.status === 'closed') return fail('invalid_transition', `room ${id} is closed already`);
      const room: Room = { ...found.value, status: 'closed' };
      await tx.assignments.setRoomStatus(id, 'closed');
      await tx.appendEvent({
        type: 'room.closed',
        subjectKind: 'room',
        subjectId: id,
        tenant: room.tenant,
        actor: actorOf(principal),
        data: { action: 'room.close', before: { status: 'active' }, after: { status: 'closed' } },
      });
      return ok(room);
    });
  }

  list(q: RoomListQuery): Promise<Room[]> {
    return this.#store.assignments.rooms(q);
  }

  get(id: string, caller: Caller): Promise<Result<Room>> {
    return visibleRoom(this.#store.assignments, id, caller);
  }

  /** Inside a transaction, so the room read and what is done with it commit (or fail) together. */
  getIn(tx: Tx, id: string, caller: Caller): Promise<Result<Room>> {
    return visibleRoom(tx.assignments, id, caller);
  }

  /**
   * The room a dispatch for `tenant`'s run goes to: the one named (it must be the run's tenant's), or
   * else the tenant's oldest room.
   */
  async resolveIn(tx: Tx, tenant: string, roomId: string | undefined): Promise<Result<Room>> {
    if (roomId === undefined) {
      const oldest = await tx.assignments.oldestRoom(tenant);
      return oldest === null
        ? fail(
            'invalid_request',
            `tenant ${tenant} has no active room: create a room first (POST /llm/rooms)`,
            { details: { field: 'body.room_id' } },
          )
        : ok(oldest);
    }
    const room = await tx.assignments.room(roomId);
    // Another tenant's room is reported as absent, as the policy does for every tenant-scoped record.
    if (room === null || room.tenant !== tenant) return fail('not_found', `no room ${roomId}`);
    return room.status === 'closed'
      ? fail('invalid_transition', `room ${roomId} is closed: dispatch to an active room`)
      : ok(room);
  }
}

async function visibleRoom(
  repo: AssignmentsReads | AssignmentsRepo,
  id: string,
  caller: Caller,
): Promise<Result<Room>> {
  const room = await repo.room(id);
  if (room === null) return fail('not_found', `no room ${id}`);
  const denied = caller.guard(room.tenant);
  return denied === null ? ok(room) : { ok: false, error: denied };
}
