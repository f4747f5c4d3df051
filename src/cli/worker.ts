import { spawn, type ChildProcess } from 'node:child_process';
import { call, CliError, type Client } from './http-client.js';

/**
 * The reference worker: claims assignments from a room, runs a command once per assignment and posts
 * what it printed as the result (docs/llm-factory.md, "Workers"). The command gets the prompt and the
 * assignment's JSON on stdin and `FABRICA_*` variables. While the command runs the worker renews the
 * lease every third of `--lease`, so a command may take longer than one lease; when a renewal is refused
 * (`lease_lost`: the work was taken back or cancelled) the command is stopped and its result dropped.
 */

export interface WorkerOptions {
  readonly client: Client;
  /** A room id or name. */
  readonly room: string;
  readonly exec: string;
  readonly concurrency: number;
  readonly leaseMs: number;
  /** How long to wait between polls of an empty inbox. */
  readonly pollMs: number;
  readonly json: boolean;
  /** Stop after this many assignments (tests and one-shot runs); null: until stopped. */
  readonly max: number | null;
  readonly log: (line: string) => void;
}

export interface Claimed {
  readonly assignment_id: string;
  readonly run_id: string;
  readonly issue_id: string | null;
  readonly room_id: string;
  readonly kind: string;
  readonly action_key: string | null;
  readonly prompt: string;
  readonly lease_token: string;
  readonly lease_expires_at: string;
  readonly attempts: number;
}

export interface ParsedResult {
  status: 'passed' | 'failed';
  summary: string;
  notes?: string[];
  artifacts?: unknown[];
  checkpoint?: unknown;
}

/** The separator between the prompt and the assignment's JSON on the command's stdin. */
export const STDIN_SEPARATOR = '\n--- fabrica assignment ---\n';

/**
 * A command's output as a result: a JSON object `{status, summary, notes?, artifacts?, checkpoint?}`
 * (the last such line of output wins), else plain text is a pass with that text as summary; a
 * non-zero exit is a failure whatever it printed.
 */
export function parseOutput(stdout: string, stderr: string, code: number | null): ParsedResult {
  const trimmed = stdout.trim();
  let parsed: ParsedResult | null = null;
  const candidates = [trimmed, ...trimmed.split('\n').reverse()];
  for (const c of candidates) {
    try {
      const v = JSON.parse(c) as Record<string, unknown>;
      if (v !== null && typeof v === 'object' && (v.status === 'passed' || v.status === 'failed')) {
        parsed = {
          status: v.status,
          summary: typeof v.summary === 'string' ? v.summary : '',
          ...(Array.isArray(v.notes) ? { notes: v.notes.map(String) } : {}),
          ...(Array.isArray(v.artifacts) ? { artifacts: v.artifacts } : {}),
          ...(v.checkpoint !== undefined ? { checkpoint: v.checkpoint } : {}),
        };
        break;
      }
    } catch {
      // not JSON: plain text
    }
  }
  if (code !== 0) {
    return {
      status: 'failed',
      summary: parsed?.summary || lastLines(stderr || stdout) || `exited with ${code ?? 'a signal'}`,
      notes: [...(parsed?.notes ?? []), `exit code ${code ?? 'signal'}`],
    };
  }
  return parsed ?? { status: 'passed', summary: trimmed.slice(-10_000) || 'done' };
}

const lastLines = (s: string) => s.trim().split('\n').slice(-5).join('\n').slice(-2000);

export class Worker {
  readonly #o: WorkerOptions;
  #stopping = false;
  #handled = 0;
  readonly #children = new Set<ChildProcess>();
  #wake: (() => void) | null = null;

  constructor(o: WorkerOptions) {
    this.#o = o;
  }

  get handled(): number {
    return this.#handled;
  }

  /** Finish what is in hand, claim nothing more. */
  stop(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  async run(): Promise<void> {
    const roomId = await this.#resolveRoom();
    this.#log('info', `working room ${roomId} with ${this.#o.concurrency} slot(s): ${this.#o.exec}`);
    await Promise.all(Array.from({ length: this.#o.concurrency }, () => this.#slot(roomId)));
    this.#log('info', `stopped after ${this.#handled} assignment(s)`);
  }

  async #resolveRoom(): Promise<string> {
    const page = await call<{ data: { id: string; name: string }[] }>(
      this.#o.client,
      'GET',
      '/llm/rooms?limit=1000',
    );
    const found =
      page.data.find((r) => r.id === this.#o.room) ?? page.data.find((r) => r.name === this.#o.room);
    if (found === undefined) throw new CliError('not_found', `no room ${this.#o.room}`);
    return found.id;
  }

  #done(): boolean {
    return this.#stopping || (this.#o.max !== null && this.#handled >= this.#o.max);
  }

  async #slot(roomId: string): Promise<void> {
    while (!this.#done()) {
      let claimed: Claimed | null;
      try {
        const r = await call<{ data: Claimed | null }>(
          this.#o.client,
          'GET',
          `/llm/rooms/${roomId}/inbox?lease_ms=${this.#o.leaseMs}`,
        );
        claimed = r.data;
      } catch (e) {
        this.#log('warn', `claim failed: ${(e as Error).message}`);
        claimed = null;
      }
      if (claimed === null) {
        await this.#sleep(this.#o.pollMs);
        continue;
      }
      this.#handled += 1;
      await this.#work(roomId, claimed);
    }
  }

  async #work(roomId: string, a: Claimed): Promise<void> {
    this.#log(
      'info',
      `assignment ${a.assignment_id} (${a.kind}${a.issue_id ? ` ${a.issue_id}` : ''}) claimed`,
    );
    const running = this.#exec(a);
    const lost = this.#keepLease(roomId, a, running.child);
    const result = await running.result;
    lost.stop();
    if (lost.value) {
      this.#log('warn', `assignment ${a.assignment_id}: lease lost while running, result dropped`);
      return;
    }
    const path = `/llm/rooms/${roomId}/inbox/${a.assignment_id}/result`;
    try {
      await call(this.#o.client, 'POST', path, { lease_token: a.lease_token, ...result });
      this.#log('info', `assignment ${a.assignment_id} ${result.status}: ${result.summary.split('\n')[0]}`);
    } catch (e) {
      if (e instanceof CliError && e.code === 'lease_lost') {
        this.#log('warn', `assignment ${a.assignment_id}: lease lost, result dropped`);
        return;
      }
      // The server refused what the command produced (an invalid artifact): report that as the failure.
      this.#log('warn', `assignment ${a.assignment_id}: result refused (${(e as Error).message})`);
      await call(this.#o.client, 'POST', path, {
        lease_token: a.lease_token,
        status: 'failed',
        summary: `the result was refused: ${(e as Error).message}`.slice(0, 10_000),
      }).catch((err: unknown) =>
        this.#log('warn', `assignment ${a.assignment_id}: ${(err as Error).message}`),
      );
    }
  }

  /**
   * Renews the lease every third of its length while the command runs (two renewals may fail, say on a
   * network blip, before the lease runs out). A refusal means the lease is gone: the command is stopped.
   */
  #keepLease(roomId: string, a: Claimed, child: ChildProcess | null) {
    const state = { value: false, stop: () => clearInterval(timer) };
    const path = `/llm/rooms/${roomId}/inbox/${a.assignment_id}/renew`;
    const timer = setInterval(
      () => {
        call(this.#o.client, 'POST', path, { lease_token: a.lease_token, lease_ms: this.#o.leaseMs }).then(
          () => undefined,
          (e: unknown) => {
            if (e instanceof CliError && e.code === 'lease_lost') {
              state.value = true;
              clearInterval(timer);
              killGroup(child?.pid);
            } else
              this.#log('warn', `assignment ${a.assignment_id}: renewal failed (${(e as Error).message})`);
          },
        );
      },
      Math.max(50, Math.floor(this.#o.leaseMs / 3)),
    );
    return state;
  }

  /** Runs the command; the lease is kept by `#keepLease` for as long as it takes. */
  #exec(a: Claimed): { child: ChildProcess; result: Promise<ParsedResult> } {
    let child!: ChildProcess;
    const result = new Promise<ParsedResult>((resolve) => {
      const c = spawn(this.#o.exec, {
        shell: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          ...process.env,
          FABRICA_URL: this.#o.client.url,
          FABRICA_ROOM_ID: a.room_id,
          FABRICA_RUN_ID: a.run_id,
          FABRICA_ISSUE_ID: a.issue_id ?? '',
          FABRICA_ASSIGNMENT_ID: a.assignment_id,
          FABRICA_ASSIGNMENT_KIND: a.kind,
          FABRICA_ACTION_KEY: a.action_key ?? '',
          FABRICA_ATTEMPTS: String(a.attempts),
          FABRICA_LEASE_EXPIRES_AT: a.lease_expires_at,
        },
        detached: true,
      });
      child = c;
      this.#children.add(c);
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      c.stdin.on('error', () => undefined);
      c.stdin.end(`${a.prompt}${STDIN_SEPARATOR}${JSON.stringify(a)}\n`);
      c.on('error', (e) => {
        this.#children.delete(c);
        resolve({ status: 'failed', summary: `cannot run the command: ${e.message}` });
      });
      c.on('close', (code) => {
        this.#children.delete(c);
        resolve(parseOutput(stdout, stderr, code));
      });
    });
    return { child, result };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        this.#wake = null;
        resolve();
      };
    });
  }

  #log(level: 'info' | 'warn', msg: string): void {
    this.#o.log(
      this.#o.json
        ? JSON.stringify({ level, time: new Date().toISOString(), msg })
        : `fabrica worker: ${msg}`,
    );
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** `--lease 60s`, `90000ms`, `2m` or a bare number of milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(v.trim());
  if (m === null)
    throw new CliError('invalid_request', `--lease: expected e.g. 60s, 2m or 90000ms, not ${v}`);
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
}
