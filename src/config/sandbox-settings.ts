import { intSetting as setting } from './setting-kit.js';

/** The sandboxes of script and WASM cells (docs/cells.md, "Limits"): maxima a template's limits stay within. */
export const sandboxSettings = {
  sandboxMaxCpuMs: setting(
    'FABRICA_SANDBOX_MAX_CPU_MS',
    1000,
    1,
    60_000,
    'ms',
    'Largest `metadata.limits.cpu_ms` a script or WASM cell may ask for (the default is 50).',
  ),
  sandboxMaxMemoryMib: setting(
    'FABRICA_SANDBOX_MAX_MEMORY_MIB',
    64,
    1,
    4096,
    'MiB',
    'Largest `metadata.limits.memory_mib` (default 16).',
  ),
  sandboxMaxStackKib: setting(
    'FABRICA_SANDBOX_MAX_STACK_KIB',
    1024,
    16,
    65_536,
    'KiB',
    'Largest `metadata.limits.stack_kib` of a script cell (default 256).',
  ),
  sandboxMaxOutputKib: setting(
    'FABRICA_SANDBOX_MAX_OUTPUT_KIB',
    16_384,
    1,
    1_048_576,
    'KiB',
    'Largest `metadata.limits.output_kib` (default 1024).',
  ),
  scriptWorkers: setting(
    'FABRICA_SCRIPT_WORKERS',
    2,
    1,
    64,
    'threads',
    'Worker threads that run script cells (each keeps a QuickJS context per recently called revision).',
  ),
  wasmWorkers: setting('FABRICA_WASM_WORKERS', 2, 1, 64, 'threads', 'Worker threads that run WASM cells.'),
};
