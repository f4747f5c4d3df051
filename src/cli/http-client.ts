import { redactUrl } from './server-url.js';

/** A failure the CLI prints as one line: `error <code>: <reason>`. */
export class CliError extends Error {
  readonly code: string;
  /** The error answer's whole body, for commands that show more of it (`closest`, `candidates`). */
  readonly body: Readonly<Record<string, unknown>> | null;
  constructor(code: string, reason: string, body: Readonly<Record<string, unknown>> | null = null) {
    super(reason);
    this.code = code;
    this.body = body;
  }
}

export interface Client {
  readonly url: string;
  readonly token: string | null;
}

const headers = (c: Client, body: boolean): Record<string, string> => ({
  ...(c.token === null ? {} : { authorization: `Bearer ${c.token}` }),
  ...(body ? { 'content-type': 'application/json' } : {}),
});

/** Calls the API and returns the JSON answer; an error answer becomes a CliError with its code. */
export async function call<T = unknown>(c: Client, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${c.url}${path}`, {
      method,
      headers: headers(c, body !== undefined),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new CliError(
      'unreachable',
      `cannot reach ${redactUrl(c.url)} (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message})`,
    );
  }
  const text = await res.text();
  let data: Record<string, unknown> | null = null;
  try {
    data = text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    if (res.ok) throw new CliError('invalid_response', `${method} ${path} did not answer JSON`);
  }
  if (!res.ok) {
    const code = typeof data?.code === 'string' ? data.code : `http_${res.status}`;
    // Operator family: `{code, reason}`; LLM family: `{success: false, error, code, message}`.
    const reason =
      typeof data?.reason === 'string'
        ? data.reason
        : typeof data?.message === 'string'
          ? data.message
          : typeof data?.error === 'string'
            ? data.error
            : res.statusText;
    throw new CliError(code, reason, data);
  }
  return data as T;
}

/**
 * The LLM factory family answers `{success: true, data}`: returns `data`, read as `T` — the contract's
 * type of the route's answer (src/contract/), e.g. `callData<Run>(c, 'GET', '/llm/factory/runs/…')`.
 */
export async function callData<T>(c: Client, method: string, path: string, body?: unknown): Promise<T> {
  const r = await call<{ readonly success: true; readonly data: T } | null>(c, method, path, body);
  if (r === null) throw new CliError('invalid_response', `${method} ${path} answered nothing`);
  return r.data;
}

export { headers as clientHeaders };
