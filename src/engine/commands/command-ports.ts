/** A stored command plan: what `POST /factory/commands` answered, kept until applied or expired. */
export interface StoredCommand {
  readonly id: string;
  /** Who planned it; only they may apply it. */
  readonly actor: string;
  readonly status: 'planned' | 'applied';
  /** The plan as answered, with the requests to run. */
  readonly doc: Readonly<Record<string, unknown>>;
  /** The registry's state the plan was made from (`command_stale` when it differs at apply). */
  readonly fingerprint: string;
  readonly expiresAt: string;
  readonly createdAt: string;
}

export interface CommandsReads {
  command(id: string): Promise<StoredCommand | null>;
}

export interface CommandsRepo extends CommandsReads {
  insert(c: StoredCommand): Promise<void>;
  /** Moves a planned command to applied; false when it was not planned any more (applied elsewhere). */
  claim(id: string, now: string): Promise<boolean>;
}
