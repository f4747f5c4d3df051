import type { DestinationStream } from 'pino';
import type { Config } from './config/config.js';
import { AccessService } from './engine/access/access-service.js';
import { EventHub } from './engine/event-hub.js';
import { Introspection } from './engine/observability/introspection.js';
import { Metrics } from './engine/observability/metrics.js';
import { systemClock, type Clock } from './engine/ports.js';
import { Scheduler } from './engine/scheduler.js';
import { IdGenerator } from './engine/ids.js';
import { DispatchService } from './engine/runs/dispatch-service.js';
import { RoomService } from './engine/runs/room-service.js';
import { RunService } from './engine/runs/run-service.js';
import { RunSupervisor } from './engine/runs/run-supervisor.js';
import { RunVerification } from './engine/runs/run-verification.js';
import type { CellInvoker } from './engine/cells/cell-invoker.js';
import { AuditTrail } from './engine/audit.js';
import { StoreHealth } from './engine/observability/store-health.js';
import { TemplateRegistry } from './engine/cells/template-registry.js';
import type { CellService } from './engine/cells/cell-service.js';
import { OrganService } from './engine/organs/organ-service.js';
import { CommandService } from './engine/commands/command-service.js';
import { CallRecorder } from './engine/rollouts/call-recorder.js';
import type { RolloutService } from './engine/rollouts/rollout-service.js';
import { DatasetService } from './engine/training/dataset-service.js';
import { TrainingService } from './engine/training/training-service.js';
import { trainingMetrics } from './engine/training/training-metrics.js';
import { openAiChat } from './runtime/llm-chat.js';
import { Watchdog, type WatchdogLog } from './engine/observability/watchdog.js';
import { WebhookService } from './engine/webhooks/webhook-service.js';
import { webhookOutbox as makeWebhookOutbox } from './engine/webhooks/webhook-wiring.js';
import { httpWebhookTransport } from './runtime/webhook-http.js';
import { buildApp, type App } from './http/app.js';
import type { KyselyStore } from './store/kysely-store.js';
import { openPostgresStore } from './store/postgres/postgres.js';
import { openSqliteStore } from './store/sqlite/sqlite.js';
import { composeCellFactory } from './cell-factory.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `panel/dist` of this package, from `src/` (tsx) and from `dist/` (built) alike. */
const PACKAGE_PANEL_DIR = fileURLToPath(new URL('../panel/dist', import.meta.url));

export interface Fabrica {
  readonly app: App;
  readonly store: KyselyStore;
  readonly hub: EventHub;
  readonly scheduler: Scheduler;
  readonly access: AccessService;
  readonly metrics: Metrics;
  readonly watchdog: Watchdog;
  /** Areas register the counts `GET /introspection/status` shows. */
  readonly introspection: Introspection;
  readonly runs: RunService;
  readonly cells: CellService;
  readonly cellInvoker: CellInvoker;
  readonly rollouts: RolloutService;
  readonly organs: OrganService;
  /** The admin secret when this start generated it (print it once), else null. */
  readonly generatedAdminToken: string | null;
  readonly lifecycle: { shuttingDown: boolean };
  /** Stops streams and timers, waits for in-flight requests (up to the shutdown timeout), closes the store. */
  close(): Promise<void>;
}

export interface Runtime {
  readonly version: string;
  readonly clock?: Clock;
  readonly logStream?: DestinationStream;
  /** Where internal faults are reported (the app's logger once it exists). */
  readonly onError?: (e: unknown, context: string) => void;
  /** Where the built operator panel is; by default `panel/dist` in the package. */
  readonly panelDir?: string;
  /**
   * Arm the watchdog once composed (the default, for apps that are only injected into). `fabrica serve`
   * says false and arms it once the server listens: start-up work is not a stall.
   */
  readonly armWatchdog?: boolean;
}

/** Opens the store named by the configuration (SQLite file in the data directory, or PostgreSQL). */
export async function openStore(config: Config, clock: Clock = systemClock): Promise<KyselyStore> {
  const now = () => clock.now();
  if (config.databaseUrl !== null) {
    return openPostgresStore({
      url: config.databaseUrl,
      poolSize: config.pgPoolSize,
      preparedStatements: config.pgPreparedStatements,
      now,
    });
  }
  return openSqliteStore({
    file: join(config.dataDir, 'fabrica.db'),
    synchronous: config.sqliteSynchronous,
    cacheKib: config.sqliteCacheKib,
    now,
  });
}

/** Composes store, engines and HTTP app; migrates the store first. Does not listen. */
export async function createFabrica(config: Config, runtime: Runtime): Promise<Fabrica> {
  const clock = runtime.clock ?? systemClock;
  const store = await openStore(config, clock);
  let report = runtime.onError ?? ((): void => undefined);
  const metrics = new Metrics();
  store.onTransaction((ms, ok) => metrics.observeTransaction(ms, ok));
  try {
    await store.migrate();
    await store.start();
    const hub = new EventHub(store, { pollMs: config.timerPollMs, onError: (e) => report(e, 'event hub') });
    const scheduler = new Scheduler(store, {
      pollMs: config.timerPollMs,
      maxAttempts: 5,
      clock,
      onError: (e) => report(e, 'scheduler'),
      onFired: (timer, lateMs) => {
        metrics.observeTimerFired(timer.action, lateMs);
        supervisor?.afterFired(timer);
      },
    });
    // Set once the runs exist; the scheduler tells it of each supervise timer that committed.
    let supervisor: RunSupervisor | null = null;
    const access = new AccessService(store, clock, config.adminToken);
    access.registerTimers(scheduler);
    const runs = new RunService(store, clock, new IdGenerator(clock));
    const verification = new RunVerification(
      runs,
      {
        workspaceRoot: config.workspaceRoot,
        defaultTimeoutMs: config.verifyTimeoutMs,
        maxTimeoutMs: config.verifyMaxTimeoutMs,
        outputCapBytes: config.verifyOutputCapBytes,
        env: config.commandEnv,
        sandbox: {
          mode: config.verifySandbox,
          programs: config.verifyPrograms,
          limits: config.verifyLimits,
          ...(config.commandEnv.PATH === undefined ? {} : { hostPath: config.commandEnv.PATH }),
        },
      },
      config.verifyTenantRoot,
    );
    supervisor = new RunSupervisor(
      runs,
      clock,
      {
        allowed: () => access.capabilityLevel('factory_verify') !== 'locked',
        run: (commands) => verification.runCommands(commands),
      },
      {
        verifyLeaseMs: (commands) =>
          10_000 +
          (Array.isArray(commands) ? commands : []).reduce<number>((sum, c) => {
            const asked = (c as { timeout_ms?: unknown } | null)?.timeout_ms;
            const ms = typeof asked === 'number' ? asked : config.verifyTimeoutMs;
            return sum + Math.min(ms, config.verifyMaxTimeoutMs);
          }, 0),
        stalledRetryMs: 5_000,
        onError: (e, context) => report(e, context),
      },
    );
    // A supervised run is driven by a durable timer each time it changes.
    supervisor.registerTimers(scheduler);
    const rooms = new RoomService(store, clock, new IdGenerator(clock));
    const dispatch = new DispatchService(runs, rooms, clock);
    // Leases nobody answered go back to their inbox by a durable timer, even when no worker polls.
    dispatch.registerTimers(scheduler);
    const generatedAdminToken = await access.init(config.capabilityOverrides);
    await hub.start();
    hub.onEvent((e) => access.onEvent(e));
    metrics.trackEventLog(hub);
    metrics.trackRunCache(store);
    if (store.sealing !== null) metrics.trackSealer(store.sealing, store);
    // The app (which shows the watchdog's status) owns the logger its alarms go to; bound once both exist.
    let watchdogLog: WatchdogLog = () => undefined;
    const watchdog = new Watchdog(store, {
      softMs: config.watchdogSoftMs,
      hardMs: config.watchdogHardMs,
      graceMs: config.watchdogGraceMs,
      clock,
      log: (level, details, msg) => watchdogLog(level, details, msg),
      onAlarm: (kind, level) => metrics.countAlarm(kind, level),
      onError: (e) => report(e, 'watchdog'),
    });
    // The cell factory: backends, the invoker, cells, rollouts, shadow traffic and the template catalog.
    const {
      factoryMetrics,
      cellBackends,
      cellInvoker,
      cellReads,
      cells,
      callRecorder,
      rollouts,
      shadowRecorder,
      shadowQueue,
      catalog,
    } = composeCellFactory({
      config,
      store,
      clock,
      metrics,
      access,
      scheduler,
      hub,
      report: (e, context) => report(e, context),
    });
    // The builder logs through the app's logger, which exists only once the app is built.
    let organLog: (msg: string, details: Record<string, unknown>) => void = () => undefined;
    // Organ invocations as durable per-minute rollups of their own (GET /organs/:id/stats).
    const organRecorder = new CallRecorder(store, {
      flushMs: config.statsFlushMs,
      retentionDays: config.statsRetentionDays,
      clock,
      onError: (e) => report(e, 'organ call statistics'),
      sink: {
        write: (tx, rows) =>
          tx.rollouts.putOrganStats(
            rows.map((r) => ({
              organId: r.revisionId,
              minute: r.minute,
              instance: r.instance,
              stats: r.stats,
            })),
          ),
        purgeBefore: (tx, minute) => tx.rollouts.deleteOrganStatsBefore(minute),
      },
    });
    const organs = new OrganService(store, clock, cellInvoker, {
      onCall: (id, ms, failed) => organRecorder.record(id, id, ms, failed),
      delays: config.stageDelays,
      metrics,
      log: (msg, details) => organLog(msg, details),
      cellReads: { cell: (id) => cellReads.get(id) },
    });
    organs.registerTimers(scheduler);
    // A stage timer's change (here or on another instance) reaches the organ's status through its event.
    hub.onEvent((e) => {
      if (e.subjectKind === 'organ') organs.invalidate(e.subjectId);
    });
    const introspection = new Introspection();
    introspection.addCounts('organs', () => store.organs.countByState());
    // HITL organs waiting at experimental for a human.
    introspection.addPendingApprovals(
      async () =>
        (await store.organs.list({ state: 'experimental', limit: 10_000 })).filter((o) => o.awaitingApproval)
          .length,
    );
    introspection.addCounts('cells', () => store.cells.countRevisionsByState());
    introspection.addCounts('runs', () => store.runs.countByStatus());
    // Training jobs run as a chain of durable timers, one step each (docs/training.md).
    const datasets = new DatasetService(store, clock);
    const training = new TrainingService(
      store,
      clock,
      new IdGenerator(clock),
      { cells, datasets },
      {
        stepMs: config.trainingStepMs,
        stepBudgetMs: config.trainingStepBudgetMs,
      },
    );
    training.registerTimers(scheduler);
    const trainingSeries = trainingMetrics(metrics);
    store.onCommitted((what) => {
      if (what.wrote !== undefined) trainingSeries.observe(what.wrote);
    });
    const lifecycle = { shuttingDown: false };
    // Webhooks: the outbox follows the event log and delivers (docs/webhooks.md).
    const webhookOutbox = makeWebhookOutbox(store, httpWebhookTransport, new IdGenerator(clock), metrics, {
      retry: {
        baseMs: config.webhookRetryBaseMs,
        capMs: config.webhookRetryMaxMs,
        maxAttempts: config.webhookMaxAttempts,
        maxAgeMs: config.webhookMaxAgeMs,
      },
      timeoutMs: config.webhookTimeoutMs,
      concurrency: config.webhookConcurrency,
      pollMs: config.timerPollMs,
      clock,
      onError: (e, context) => report(e, context),
    });
    const app = await buildApp({
      storeHealth: new StoreHealth(store, hub),
      audit: new AuditTrail(store, clock),
      hub,
      access,
      version: runtime.version,
      startedAt: clock.now(),
      bodyLimit: config.bodyLimit,
      heartbeatMs: config.heartbeatMs,
      streamBufferBytes: config.streamBufferBytes,
      logLevel: config.logLevel,
      lifecycle,
      metrics,
      metricsToken: config.metricsToken,
      corsOrigins: config.corsOrigins,
      introspection,
      watchdog,
      runs,
      rooms,
      dispatch,
      cells,
      cellInvoker,
      templates: new TemplateRegistry(store, clock),
      cellMetrics: factoryMetrics,
      rollouts,
      organs,
      commands: new CommandService(store, clock, new IdGenerator(clock), {
        cells,
        organs,
        access,
        ttlMs: config.commandTtlMs,
        llm: config.llmUrl === null ? null : openAiChat(config.llmUrl, config.llmModel),
      }),
      webhooks: new WebhookService(store, clock, new IdGenerator(clock), httpWebhookTransport),
      datasets,
      training,
      panelDir: runtime.panelDir ?? PACKAGE_PANEL_DIR,
      checkResponses: config.checkResponses,
      verification,
      supervisor,
      ...(runtime.logStream === undefined ? {} : { logStream: runtime.logStream }),
    });
    if (runtime.onError === undefined)
      report = (e, context) => app.log.error({ err: e }, `${context} failed`);
    watchdogLog = (level, details, msg) => app.log[level](details, msg);
    organLog = (msg, details) => app.log.info(details, msg);
    scheduler.start();
    callRecorder.start();
    shadowRecorder.start();
    organRecorder.start();
    webhookOutbox.start();
    if (runtime.armWatchdog !== false) watchdog.start();
    await catalog.start();
    let closing: Promise<void> | null = null;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        lifecycle.shuttingDown = true;
        await watchdog.stop();
        await catalog.stop();
        await webhookOutbox.stop();
        await hub.stop();
        await scheduler.stop();
        await supervisor?.idle();
        await callRecorder.stop().catch((e: unknown) => report(e, 'call statistics'));
        // Mirrored calls still queued get a moment to finish; what does not is lost, like a crash's.
        await Promise.race([shadowQueue.drained(), new Promise<void>((r) => setTimeout(r, 2000).unref())]);
        await shadowRecorder.stop().catch((e: unknown) => report(e, 'shadow statistics'));
        await organRecorder.stop().catch((e: unknown) => report(e, 'organ call statistics'));
        let timedOut = false;
        const timeout = new Promise<void>((r) =>
          setTimeout(() => r(void (timedOut = true)), config.shutdownTimeoutMs).unref(),
        );
        const appClosed = app.close();
        // The server's close ends the connections idle at that moment only: a kept-alive connection whose
        // request finishes later (or a stream just ended) would hold the close until the timeout.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 50).unref();
        await Promise.race([appClosed, timeout]);
        clearInterval(sweep);
        if (timedOut) {
          app.log.warn(
            { timeout_ms: config.shutdownTimeoutMs },
            'shutdown timeout: closing with requests still in flight',
          );
        } else app.log.info('requests drained');
        await store.close();
        await cellBackends.close();
        metrics.close();
      })());
    return {
      app,
      store,
      hub,
      scheduler,
      access,
      metrics,
      watchdog,
      introspection,
      runs,
      cells,
      cellInvoker,
      rollouts,
      organs,
      generatedAdminToken,
      lifecycle,
      close,
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
