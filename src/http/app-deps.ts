import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import type { AccessService } from '../engine/access/access-service.js';
import type { EventHub } from '../engine/event-hub.js';
import type { Introspection } from '../engine/observability/introspection.js';
import type { Metrics } from '../engine/observability/metrics.js';
import type { AuditTrail } from '../engine/audit.js';
import type { StoreHealth } from '../engine/observability/store-health.js';
import type { DispatchService } from '../engine/runs/dispatch-service.js';
import type { RoomService } from '../engine/runs/room-service.js';
import type { RunService } from '../engine/runs/run-service.js';
import type { CellInvoker } from '../engine/cells/cell-invoker.js';
import type { CellMetrics } from '../engine/cells/cell-metrics.js';
import type { CellService } from '../engine/cells/cell-service.js';
import type { RolloutService } from '../engine/rollouts/rollout-service.js';
import type { TemplateRegistry } from '../engine/cells/template-registry.js';
import type { OrganService } from '../engine/organs/organ-service.js';
import type { CommandService } from '../engine/commands/command-service.js';
import type { RunVerification } from '../engine/runs/run-verification.js';
import type { RunSupervisor } from '../engine/runs/run-supervisor.js';
import type { WatchdogStatus } from '../engine/observability/watchdog.js';
import type { WebhookService } from '../engine/webhooks/webhook-service.js';
import type { DatasetService } from '../engine/training/dataset-service.js';
import type { TrainingService } from '../engine/training/training-service.js';

/** What the HTTP layer is given by the composition root: services, never the environment. */
export interface AppDeps {
  readonly storeHealth: StoreHealth;
  readonly audit: AuditTrail;
  readonly hub: EventHub;
  readonly access: AccessService;
  readonly version: string;
  readonly startedAt: number;
  readonly bodyLimit: number;
  readonly heartbeatMs: number;
  readonly streamBufferBytes: number;
  readonly logLevel: string;
  /** Where JSON log lines go (stdout when absent). */
  readonly logStream?: DestinationStream;
  /** Set while the server drains on shutdown: `/readyz` answers 503 and new streams are refused. */
  readonly lifecycle: { shuttingDown: boolean };
  /** This instance's Prometheus registry (`GET /metrics`). */
  readonly metrics: Metrics;
  /** When set, `GET /metrics` needs this token or the admin token. */
  readonly metricsToken: string | null;
  /** Browser origins allowed to call the API (`FABRICA_CORS_ORIGINS`); none when absent. */
  readonly corsOrigins?: readonly string[];
  /** What areas report to `GET /introspection/status`. */
  readonly introspection: Introspection;
  readonly watchdog: WatchdogStatus;
  readonly runs: RunService;
  readonly rooms: RoomService;
  readonly dispatch: DispatchService;
  readonly verification: RunVerification;
  readonly supervisor: RunSupervisor;
  readonly cells: CellService;
  readonly templates: TemplateRegistry;
  readonly cellInvoker: CellInvoker;
  readonly cellMetrics: CellMetrics;
  /** Rollout policies, statistics, the judge's verdicts, quarantine (docs/rollouts.md). */
  readonly rollouts: RolloutService;
  readonly organs: OrganService;
  /** Natural-language commands: plans and their apply (docs/commands.md). */
  readonly commands: CommandService;
  /** Webhooks and their deliveries (docs/webhooks.md). */
  readonly webhooks: WebhookService;
  /** Labelled datasets and training jobs (docs/training.md). */
  readonly datasets: DatasetService;
  readonly training: TrainingService;
  /** Check every JSON answer against its documented schema (tests and development; costs CPU). */
  readonly checkResponses: boolean;
  /** The built operator panel (`panel/dist`), served at `/panel/`; missing means "not built" (503). */
  readonly panelDir: string;
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
