import type { Config } from './config/config.js';
import { CellBackends } from './engine/cells/cell-backends.js';
import { sandboxMetrics } from './engine/cells/sandbox-metrics.js';
import type { Metrics } from './engine/observability/metrics.js';
import { ScriptBackend } from './runtime/script/script-backend.js';
import { WasmBackend } from './runtime/wasm/wasm-backend.js';
import { CatalogFiles } from './runtime/cell-files.js';

/** The capability that gates each sandboxed backend (a locked gate stops its cells serving). */
export const GATE_OF = { script: 'factory_script', wasm: 'factory_wasm' } as const;

/**
 * The cell backends of this process: adapter operations, and the script and WASM sandboxes with the
 * configured maxima and pool sizes. Workers start on the first call, not here.
 */
export function sandboxedBackends(config: Config, metrics: Metrics): CellBackends {
  const maxima = {
    cpuMs: config.sandboxMaxCpuMs,
    memoryMib: config.sandboxMaxMemoryMib,
    stackKib: config.sandboxMaxStackKib,
    outputKib: config.sandboxMaxOutputKib,
  };
  // Scripts and modules may come from files of the template catalog directory (docs/cells.md).
  const files = new CatalogFiles(config.templatesDir);
  let script: ScriptBackend | null = null;
  let wasm: WasmBackend | null = null;
  const m = sandboxMetrics(metrics, () => ({
    ...(script === null ? {} : { script: () => script!.pool.stats() }),
    ...(wasm === null ? {} : { wasm: () => wasm!.pool.stats() }),
  }));
  script = new ScriptBackend({
    workers: config.scriptWorkers,
    maxima,
    files,
    onLimitHit: (limit) => m.limitHits.labels('script', limit).inc(),
    onWorkerStart: () => m.workerStarts.labels('script').inc(),
  });
  wasm = new WasmBackend({
    workers: config.wasmWorkers,
    maxima,
    files,
    onLimitHit: (limit) => m.limitHits.labels('wasm', limit).inc(),
    onWorkerStart: () => m.workerStarts.labels('wasm').inc(),
  });
  return new CellBackends({ script, wasm, files });
}
