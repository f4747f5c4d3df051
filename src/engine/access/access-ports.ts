import type { CapabilityName, CapabilityRecord, SafeModeState } from '../../domain/capabilities.js';
import type { TokenRecord } from '../../domain/access.js';

export interface AccessReads {
  tokenByHash(secretHash: string): Promise<TokenRecord | null>;
  tokenById(id: string): Promise<TokenRecord | null>;
  listTokens(opts: { after?: string; limit: number; tenant?: string }): Promise<TokenRecord[]>;
  capabilities(): Promise<CapabilityRecord[]>;
  capability(name: CapabilityName): Promise<CapabilityRecord | null>;
  safeMode(): Promise<SafeModeState>;
  adminTokenHash(): Promise<string | null>;
}

export interface AccessRepo {
  insertToken(t: TokenRecord): Promise<void>;
  /** Compare-and-set on `version`: false when another writer got there first. */
  updateTokenState(
    id: string,
    expectedVersion: number,
    state: TokenRecord['state'],
    revokedAt: string | null,
  ): Promise<boolean>;
  tokenById(id: string): Promise<TokenRecord | null>;
  capability(name: CapabilityName): Promise<CapabilityRecord | null>;
  /** Reads the capability holding its row lock until commit (PostgreSQL): concurrent writers queue. */
  lockCapability(name: CapabilityName): Promise<CapabilityRecord | null>;
  /** Insert (expectedVersion 0) or compare-and-set update; false on a version conflict. */
  putCapability(rec: CapabilityRecord, expectedVersion: number): Promise<boolean>;
  safeMode(): Promise<SafeModeState>;
  putSafeMode(state: SafeModeState, expectedVersion: number): Promise<boolean>;
  /** Stores the admin token hash unless one exists (first writer wins); true when this call stored it. */
  initAdminTokenHash(hash: string): Promise<boolean>;
  replaceAdminTokenHash(hash: string): Promise<void>;
}
