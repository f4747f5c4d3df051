import type { Config } from './config/config.js';
import { isEnabled } from './domain/capabilities.js';
import { defaultPolicy } from './domain/rollouts/rollout-policy.js';
import type { AccessService } from './engine/access/access-service.js';
import { CellInvoker } from './engine/cells/cell-invoker.js';
import { cellMetrics } from './engine/cells/cell-metrics.js';
import { CellService } from './engine/cells/cell-service.js';
import { quarantineForIntegrity } from './engine/cells/integrity.js';
import { TemplateCatalog } from './engine/cells/template-catalog.js';
import type { EventHub } from './engine/event-hub.js';
import type { Metrics } from './engine/observability/metrics.js';
import type { Clock } from './engine/ports.js';
import { ReadCache } from './engine/read-cache.js';
import { CallRecorder } from './engine/rollouts/call-recorder.js';
import { RolloutService } from './engine/rollouts/rollout-service.js';
import { rolloutMetrics } from './engine/rollouts/rollout-metrics.js';
import { ShadowQueue, shadowMetrics } from './engine/rollouts/shadow-queue.js';
import { ShadowRecorder } from './engine/rollouts/shadow-recorder.js';
import type { Scheduler } from './engine/scheduler.js';
import { catalogFileProblem } from './runtime/catalog-files.js';
import { nodeCatalogDir } from './runtime/catalog-dir.js';
import { GATE_OF, sandboxedBackends } from './sandboxes.js';
import type { KyselyStore } from './store/kysely-store.js';

export interface CellFactoryParts {
  readonly config: Config;
  readonly store: KyselyStore;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly access: AccessService;
  readonly scheduler: Scheduler;
  readonly hub: EventHub;
  readonly report: (e: unknown, context: string) => void;
}

/**
 * The cell factory of one process, wired: backends and the invoker (its cache dropped on every change of a
 * cell, here or on another instance), cells, rollouts with their durable statistics and timers, shadow
 * traffic, the integrity handler of catalog files, and the template catalog. Nothing starts here: the
 * recorders and the catalog start with the server.
 */
export function composeCellFactory(o: CellFactoryParts) {
  const { config, store, clock, metrics, access, scheduler, hub, report } = o;
  const factoryMetrics = cellMetrics(metrics, () => store.cells.countServingCells());
  const cellBackends = sandboxedBackends(config, metrics);
  const cellInvoker = new CellInvoker(
    store,
    factoryMetrics,
    {
      canary: config.canaryPercent / 100,
      experimental: config.experimentalPercent / 100,
    },
    Math.random,
    cellBackends,
    (backend) => backend === 'adapter' || access.capabilityLevel(GATE_OF[backend]) !== 'locked',
  );
  // Cells as organ statuses show them, kept until they change (here: right after the commit; elsewhere:
  // when the event arrives).
  const cellReads = new ReadCache((id) => store.cells.cell(id));
  const cells = new CellService(
    store,
    clock,
    factoryMetrics,
    (id) => {
      cellInvoker.invalidate(id);
      cellReads.invalidate(id);
    },
    cellBackends,
  );
  // Rollouts: durable call statistics, the judge's timers, the approval guard and the immune system.
  const callRecorder = new CallRecorder(store, {
    flushMs: config.statsFlushMs,
    retentionDays: config.statsRetentionDays,
    clock,
    onError: (e) => report(e, 'call statistics'),
  });
  const rollouts = new RolloutService(store, cells, callRecorder, {
    clock,
    metrics: factoryMetrics,
    rolloutMetrics: rolloutMetrics(metrics),
    quarantineAfterErrors: config.quarantineAfterErrors,
    faultsEnabled: () => isEnabled(access.capabilityLevel('fault_injection')),
    onError: (e, context) => report(e, context),
    onPolicyChanged: (id) => {
      cellInvoker.invalidate(id);
      cellReads.invalidate(id);
    },
  });
  cells.setRolloutHooks(rollouts.hooks);
  // Shadow traffic: calls the stable revision answered, mirrored after the answer through a bounded queue.
  const shadowRecorder = new ShadowRecorder(store, {
    flushMs: config.statsFlushMs,
    retentionDays: config.statsRetentionDays,
    clock,
    onError: (e) => report(e, 'shadow statistics'),
  });
  const shadowQueue = new ShadowQueue(shadowRecorder, shadowMetrics(metrics), {
    capacity: config.shadowQueueCapacity,
    concurrency: config.shadowConcurrency,
    clock,
    onError: (e) => report(e, 'shadow call'),
  });
  cellInvoker.setCallHooks({
    ...rollouts.callHooks,
    policyOf: async (id) => {
      const p = await rollouts.policy(id);
      return p.ok ? p.value.policy : defaultPolicy(true);
    },
    mirror: (job) => shadowQueue.offer(job),
  });
  rollouts.registerTimers(scheduler);
  // The heal runs inside the timer's transaction: it reads the template there, and only the file here.
  cells.registerTimers(scheduler, (stored) => catalogFileProblem(stored, cellBackends.files));
  // A script or module whose catalog file changed is refused at load and its cells quarantined.
  cellInvoker.setIntegrityHandler(async (templateId, version, v) => {
    const quarantined = await quarantineForIntegrity(store, clock, factoryMetrics, {
      templateId,
      version,
      path: v.path,
      field: v.field,
      registeredSha256: v.pinnedSha256,
      fileSha256: v.fileSha256,
      reason: v.reason,
      onlyIfNew: true,
    });
    for (const id of quarantined) {
      cellInvoker.invalidate(id);
      cellReads.invalidate(id);
    }
  });
  // Any change to a cell, here or on another instance, drops its cached runtime.
  hub.onEvent((e) => {
    if (e.subjectKind === 'cell') {
      cellInvoker.invalidate(e.subjectId);
      cellReads.invalidate(e.subjectId);
    }
  });
  // The template catalog directory: registers its files, quarantines cells whose file was tampered with.
  const catalog = new TemplateCatalog({
    dir: nodeCatalogDir(config.templatesDir),
    store,
    clock,
    metrics: factoryMetrics,
    onCellChange: (id) => cellInvoker.invalidate(id),
    pin: (t) => cellBackends.pin(t),
    onError: (e, context) => report(e, context),
  });
  return {
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
  };
}
