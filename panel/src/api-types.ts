/** The API's answers as the panel reads them (README and docs/ describe every field). */

export const ACCESS_LEVELS = ['read', 'edit', 'full', 'root'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** `GET /auth/whoami`. */
export interface Whoami {
  readonly kind: 'admin' | 'tenant';
  readonly token_id: string;
  readonly tenant: string | null;
  readonly access: AccessLevel;
}

export const CAPABILITY_LEVELS = ['locked', 'experimental', 'stable'] as const;
export type CapabilityLevel = (typeof CAPABILITY_LEVELS)[number];

/** One row of `GET /capabilities`. */
export interface Capability {
  readonly name: string;
  readonly level: CapabilityLevel;
  readonly enabled: boolean;
  readonly gates: string;
  readonly reason: string;
  readonly updated_at: string | null;
  readonly updated_by: string;
  readonly version: number;
}

export interface CapabilityList {
  readonly capabilities: readonly Capability[];
}

/** `GET /safe-mode`. */
export interface SafeMode {
  readonly on: boolean;
  readonly reason: string;
  readonly since: string | null;
  readonly by: string | null;
}

export type CountsByState = Readonly<Record<string, number>>;

/** `GET /introspection/status`. */
export interface IntrospectionStatus {
  readonly version: string;
  readonly uptime_s: number;
  readonly safe_mode: boolean;
  readonly store: { readonly kind: string; readonly healthy: boolean; readonly migrations_pending: string[] };
  readonly watchdogs: { readonly alarms: { readonly soft: number; readonly hard: number } };
  readonly counts: {
    readonly cells: CountsByState;
    readonly organs: CountsByState;
    readonly runs: CountsByState;
  };
  readonly pending_approvals: number;
  readonly event_log: { readonly head_seq: number };
}

/** One organ of `GET /organs` (the fields the panel uses so far). */
export interface OrganStatus {
  readonly id: string;
  readonly state: string;
  readonly template: { readonly id: string; readonly version: string };
  readonly awaiting_approval: boolean;
  readonly updated_at: string;
}

export interface OrganList {
  readonly organs: readonly OrganStatus[];
  readonly next_cursor: number | null;
}
