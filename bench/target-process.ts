/**
 * A benchmark target in its own process, so that the load generator and the server under test do not
 * share an event loop. Started by target-client.ts through `fork`; talks over the IPC channel.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { startTarget, type TargetKind, type TargetOptions } from './targets.js';
import type { TargetReply, TargetRequest } from './target-client.js';

const kind = process.argv[2] as TargetKind;
const options = JSON.parse(process.env.BENCH_TARGET_OPTIONS ?? '{}') as TargetOptions;

const send = (m: TargetReply): void => {
  process.send?.(m);
};

try {
  const target = await startTarget(kind, options);
  let cpu: NodeJS.CpuUsage | null = null;
  let elu: EventLoopUtilization | null = null;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => (closing ??= target.close());
  process.on('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
  process.on('message', (raw) => {
    const m = raw as TargetRequest;
    void (async () => {
      switch (m.op) {
        case 'window-start':
          cpu = process.cpuUsage();
          elu = performance.eventLoopUtilization();
          send({ id: m.id, ok: true, value: {} });
          return;
        case 'window-stop': {
          const used = process.cpuUsage(cpu ?? undefined);
          const loop = performance.eventLoopUtilization(elu ?? undefined);
          send({
            id: m.id,
            ok: true,
            value: {
              cpuMs: (used.user + used.system) / 1000,
              busyMs: loop.active,
              windowMs: loop.active + loop.idle,
            },
          });
          return;
        }
        case 'stats':
          send({ id: m.id, ok: true, value: await target.stats() });
          return;
        case 'stop':
          await close();
          send({ id: m.id, ok: true, value: {} });
          process.disconnect();
          return;
      }
    })().catch((e: unknown) => send({ id: m.id, ok: false, error: String(e) }));
  });
  send({ id: 0, ok: true, value: { url: target.url, info: target.info } });
} catch (e) {
  send({ id: 0, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  process.disconnect();
}
