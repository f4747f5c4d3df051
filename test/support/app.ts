import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createFabrica, type Fabrica, type Runtime } from '../../src/fabrica.js';
import { freshTarget, type TestStoreTarget } from './stores.js';

export const ADMIN = 'fab_test_admin_token_0123456789abcdef';

/**
 * Settings every test server starts with. The watchdog thresholds are high so that a loaded test machine
 * does not add watchdog events to logs whose exact contents a test asserts (watchdog tests set their own).
 */
export const TEST_ENV: Record<string, string> = {
  FABRICA_ADMIN_TOKEN: ADMIN,
  FABRICA_LOG_LEVEL: 'info',
  FABRICA_TIMER_POLL_MS: '100',
  // Every answer is checked against its documented schema: each HTTP test is also a contract test.
  FABRICA_CHECK_RESPONSES: 'true',
  FABRICA_WATCHDOG_SOFT_MS: '10000',
  FABRICA_WATCHDOG_HARD_MS: '20000',
};

export interface TestFabrica {
  readonly fabrica: Fabrica;
  readonly target: TestStoreTarget;
  readonly config: Config;
  /** Every log line the app wrote. */
  readonly logs: string[];
  /** `inject` with the admin token unless `token` says otherwise (null: no token). */
  request(
    method: string,
    url: string,
    opts?: { body?: unknown; token?: string | null; headers?: Record<string, string>; rawBody?: string },
  ): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

/** An in-process fabrica on a fresh store, with the admin token fixed and logs captured. */
export async function startTestFabrica(
  kind: 'sqlite' | 'postgres',
  env: Record<string, string> = {},
  target?: TestStoreTarget,
  runtime: Pick<Runtime, 'panelDir' | 'clock'> = {},
): Promise<TestFabrica> {
  const t = target ?? (await freshTarget(kind));
  const config = loadConfig({
    env: { ...TEST_ENV, ...t.env, ...env },
    cwd: process.cwd(),
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const fabrica = await createFabrica(config, { version: 'test', logStream, ...runtime });
  return {
    fabrica,
    target: t,
    config,
    logs,
    async request(method, url, opts = {}) {
      const token = opts.token === undefined ? ADMIN : opts.token;
      const headers: Record<string, string> = {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...opts.headers,
      };
      let payload: string | undefined;
      if (opts.rawBody !== undefined) payload = opts.rawBody;
      else if (opts.body !== undefined) {
        payload = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fabrica.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload === undefined ? {} : { payload }),
      });
      let body: unknown;
      try {
        body = res.body === '' ? null : JSON.parse(res.body);
      } catch {
        body = null; // not JSON: the test reads `text`
      }
      return { status: res.statusCode, body, headers: res.headers, text: res.body };
    },
    async close() {
      await fabrica.close();
      if (target === undefined) await t.cleanup();
    },
  };
}
