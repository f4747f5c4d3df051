import type { Generated } from 'kysely';

/** Table shapes as Kysely sees them. Timestamps are RFC 3339 text; `due_at` is epoch milliseconds. */
export interface EventsTable {
  seq: number;
  ts: string;
  type: string;
  subject_kind: string;
  subject_id: string;
  tenant: string | null;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface EventHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface TimersTable {
  id: string;
  due_at: number;
  subject_kind: string;
  subject_id: string;
  action: string;
  payload: string;
  state: string;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: string;
  fired_at: string | null;
}

export interface TokensTable {
  id: string;
  secret_hash: string;
  tenant: string;
  access: string;
  label: string | null;
  state: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  version: number;
}

export interface CapabilitiesTable {
  name: string;
  level: string;
  reason: string;
  updated_at: string;
  updated_by: string;
  version: number;
}

export interface SystemStateTable {
  key: string;
  value: string;
  version: number;
  updated_at: string;
}

export interface RunsTable {
  id: string;
  tenant: string;
  status: string;
  doc: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface RunRecordsTable {
  id: string;
  run_id: string;
  record_type: string;
  doc: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface RoomsTable {
  id: string;
  tenant: string;
  name: string;
  created_at: string;
  created_by: string;
  purpose: string | null;
  /** `active` or `closed`. */
  status: string;
  /** JSON object. */
  metadata: string;
}

export interface AssignmentsTable {
  id: string;
  tenant: string;
  room_id: string;
  run_id: string;
  issue_id: string;
  state: string;
  prompt: string;
  kind: Generated<string>;
  action_key: string | null;
  lease_token: string | null;
  lease_until: number | null;
  attempts: number;
  result: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface CellTemplatesTable {
  template_id: string;
  version: string;
  cell_type: string;
  content: string;
  sha256: string;
  source: string;
  source_path: string | null;
  created_at: string;
  created_by: string;
}

export interface CellsTable {
  id: string;
  template_id: string;
  doc: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CellRevisionsTable {
  id: string;
  cell_id: string;
  state: string;
  doc: string;
  created_at: string;
  updated_at: string;
}

export interface OrgansTable {
  id: string;
  seq: number;
  state: string;
  doc: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CommandsTable {
  id: string;
  actor: string;
  status: string;
  doc: string;
  fingerprint: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export interface TrainingDatasetsTable {
  id: string;
  name: string;
  version: number;
  sha256: string;
  size: number;
  meta: string;
  examples: string;
  created_by: string;
  created_at: string;
}

export interface TrainingJobsTable {
  id: string;
  cell_id: string;
  state: string;
  doc: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface CellPoliciesTable {
  cell_id: string;
  doc: string;
  version: number;
  updated_at: string;
  updated_by: string;
}

export interface CellCallStatsTable {
  revision_id: string;
  cell_id: string;
  minute: number;
  instance: string;
  calls: number;
  errors: number;
  hist: string;
}

export interface CellShadowStatsTable {
  revision_id: string;
  cell_id: string;
  minute: number;
  instance: string;
  calls: number;
  equal: number;
  different: number;
  errors: number;
  dropped: number;
  hist: string;
  samples: string;
}

export interface OrganCallStatsTable {
  organ_id: string;
  minute: number;
  instance: string;
  calls: number;
  errors: number;
  hist: string;
}

export interface CellVerdictsTable {
  revision_id: string;
  seq: number;
  cell_id: string;
  version: string;
  state: string;
  verdict: string;
  doc: string;
  at: string;
}

export interface WebhooksTable {
  id: string;
  url: string;
  events: string;
  secret: string;
  after_seq: number;
  created_at: string;
  created_by: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  seq: number;
  event_type: string;
  body: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface WebhookCursorTable {
  id: number;
  seq: number;
}

/** An event written but not yet numbered and chained (PostgreSQL; see migration 014). */
export interface EventUnsealedTable {
  xid: string;
  pos: number;
  ts: string;
  type: string;
  subject_kind: string;
  subject_id: string;
  tenant: string | null;
  actor: string;
  data: string;
  content: string;
}

export interface Database {
  events: EventsTable;
  event_unsealed: EventUnsealedTable;
  event_head: EventHeadTable;
  timers: TimersTable;
  tokens: TokensTable;
  capabilities: CapabilitiesTable;
  system_state: SystemStateTable;
  runs: RunsTable;
  run_records: RunRecordsTable;
  rooms: RoomsTable;
  assignments: AssignmentsTable;
  cell_templates: CellTemplatesTable;
  cells: CellsTable;
  cell_revisions: CellRevisionsTable;
  organs: OrgansTable;
  counters: CountersTable;
  commands: CommandsTable;
  cell_policies: CellPoliciesTable;
  cell_call_stats: CellCallStatsTable;
  cell_verdicts: CellVerdictsTable;
  cell_shadow_stats: CellShadowStatsTable;
  organ_call_stats: OrganCallStatsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_cursor: WebhookCursorTable;
  training_datasets: TrainingDatasetsTable;
  training_jobs: TrainingJobsTable;
}
