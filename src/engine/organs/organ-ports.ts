import type { Organ } from '../../domain/organs/organ-model.js';

export interface OrganQuery {
  readonly state?: string;
  readonly after?: number;
  readonly limit: number;
}

export interface OrgansReads {
  organ(id: string): Promise<Organ | null>;
  /** Organs by number, oldest first. */
  list(q: OrganQuery): Promise<Organ[]>;
  countByState(): Promise<Record<string, number>>;
}

export interface OrgansRepo extends OrgansReads {
  /** The next organ number: increases, never reused, also across restarts and instances. */
  nextNumber(): Promise<number>;
  lockOrgan(id: string): Promise<Organ | null>;
  insert(o: Organ, seq: number): Promise<void>;
  update(o: Organ): Promise<void>;
}
