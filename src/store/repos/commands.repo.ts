import type { Kysely } from 'kysely';
import type { CommandsRepo, StoredCommand } from '../../engine/commands/command-ports.js';
import type { Database } from '../schema.js';

export class CommandQueries implements CommandsRepo {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async command(id: string): Promise<StoredCommand | null> {
    const r = await this.#db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
    if (r === undefined) return null;
    return {
      id: r.id,
      actor: r.actor,
      status: r.status === 'applied' ? 'applied' : 'planned',
      doc: JSON.parse(r.doc) as Record<string, unknown>,
      fingerprint: r.fingerprint,
      expiresAt: r.expires_at,
      createdAt: r.created_at,
    };
  }

  async insert(c: StoredCommand): Promise<void> {
    await this.#db
      .insertInto('commands')
      .values({
        id: c.id,
        actor: c.actor,
        status: c.status,
        doc: JSON.stringify(c.doc),
        fingerprint: c.fingerprint,
        expires_at: c.expiresAt,
        created_at: c.createdAt,
        updated_at: c.createdAt,
      })
      .execute();
  }

  async claim(id: string, now: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('commands')
      .set({ status: 'applied', updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'planned')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
