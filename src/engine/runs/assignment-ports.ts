import type { Assignment, Room, RoomStatus } from '../../domain/runs/assignments.js';

export interface RoomListQuery {
  readonly tenant?: string;
  /** Cursor: the last room id of the previous page (rooms are listed oldest first). */
  readonly after?: string;
  readonly limit: number;
}

export interface AssignmentsReads {
  room(id: string): Promise<Room | null>;
  rooms(q: RoomListQuery): Promise<Room[]>;
  assignment(id: string): Promise<Assignment | null>;
  /** Every assignment of a run, oldest first (the supervisor decides on them). */
  forRun(runId: string): Promise<Assignment[]>;
}

export interface AssignmentsRepo extends AssignmentsReads {
  insertRoom(room: Room): Promise<void>;
  setRoomStatus(id: string, status: RoomStatus): Promise<void>;
  /** The tenant's first active room: where a dispatch without `room_id` goes. */
  oldestRoom(tenant: string): Promise<Room | null>;
  insertAssignment(a: Assignment): Promise<void>;
  /** Loads the assignment and holds its row lock until commit (PostgreSQL). */
  lockAssignment(id: string): Promise<Assignment | null>;
  /**
   * The oldest assignment of the room that is queued, or leased with a lease older than `now`, of a run
   * that has not finished; row-locked with SKIP LOCKED on PostgreSQL so concurrent claims take different ones.
   */
  lockClaimable(roomId: string, now: number): Promise<Assignment | null>;
  /** The issue's queued or leased assignment, if any. */
  openForIssue(runId: string, issueId: string): Promise<Assignment | null>;
  hasActionKey(runId: string, key: string): Promise<boolean>;
  /** Cancels the run's queued and leased assignments; answers them as they were. */
  cancelOpenForRun(runId: string, at: string): Promise<Assignment[]>;
  /** Compare-and-set on `version`: false when another writer got there first. */
  updateAssignment(a: Assignment, expectedVersion: number): Promise<boolean>;
}
