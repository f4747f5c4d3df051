import type { SettingSpec } from './settings.js';
import { int } from './setting-kit.js';

/** The settings of rollouts' statistics and immune system (docs/rollouts.md). */
export const rolloutSettings = {
  statsFlushMs: {
    env: ['FABRICA_STATS_FLUSH_MS'],
    default: 1000,
    parse: int(10, 60_000),
    unit: 'ms',
    doc: 'How often each instance writes its per-minute call statistics to the store (a crash loses at most this much).',
  } satisfies SettingSpec<number> as SettingSpec<number>,
  statsRetentionDays: {
    env: ['FABRICA_STATS_RETENTION_DAYS'],
    default: 14,
    parse: int(1, 3650),
    unit: 'days',
    doc: 'How long per-minute call statistics are kept.',
  } satisfies SettingSpec<number> as SettingSpec<number>,
  quarantineAfterErrors: {
    env: ['FABRICA_QUARANTINE_AFTER_ERRORS'],
    default: 3,
    parse: int(0, 1_000_000),
    unit: 'calls',
    doc: 'Cell errors in a row on a stable revision that quarantine the cell and schedule its auto-heal (0: never).',
  } satisfies SettingSpec<number> as SettingSpec<number>,
  shadowQueueCapacity: {
    env: ['FABRICA_SHADOW_QUEUE'],
    default: 1000,
    parse: int(1, 1_000_000),
    unit: 'calls',
    doc: 'Mirrored calls that may wait for the shadow revision; beyond it they are dropped and counted.',
  } satisfies SettingSpec<number> as SettingSpec<number>,
  shadowConcurrency: {
    env: ['FABRICA_SHADOW_CONCURRENCY'],
    default: 4,
    parse: int(1, 1000),
    unit: 'calls',
    doc: 'Shadow calls running at once on each instance.',
  } satisfies SettingSpec<number> as SettingSpec<number>,
};
