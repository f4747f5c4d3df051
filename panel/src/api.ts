/**
 * The one HTTP client of the panel. Sends the bearer token, speaks JSON, unwraps the LLM family's
 * `{success: true, data}` envelope, and turns every failure — the Neira/operator body `{code, reason}`,
 * the LLM body `{success: false, code, message}`, a non-JSON answer, an unreachable server — into an
 * `ApiError` whose `reason` is the text to show.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The server's stable error code (docs/errors.md), or `network` / `http_<status>`. */
    readonly code: string,
    readonly reason: string,
    /** The capability a `capability_disabled` refusal names. */
    readonly capability: string | null = null,
    readonly requestId: string | null = null,
  ) {
    super(`${code}: ${reason}`);
  }
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string, query?: Query): Promise<T>;
  /** A non-JSON answer as text (`GET /metrics`). */
  text(path: string, query?: Query): Promise<string>;
}

/** `path` with the defined query parameters appended. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${qs}`;
}

/** A client for `token` against the panel's own origin (`base` for another one). */
export function createApi(token: string, base = ''): Api {
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new ApiError(0, 'network', `could not reach the server (${(e as Error).message})`);
    }
  };
  const json = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await call(method, path, body);
    if (!res.ok) throw await errorOf(res);
    if (res.status === 204) return undefined as T;
    const parsed = (await res.json().catch(() => {
      throw new ApiError(res.status, 'invalid_response', `${method} ${path} did not answer JSON`);
    })) as unknown;
    return unwrap(parsed) as T;
  };
  return {
    get: (path, query) => json('GET', withQuery(path, query)),
    post: (path, body) => json('POST', path, body),
    put: (path, body) => json('PUT', path, body),
    patch: (path, body) => json('PATCH', path, body),
    delete: (path, query) => json('DELETE', withQuery(path, query)),
    text: async (path, query) => {
      const res = await call('GET', withQuery(path, query));
      if (!res.ok) throw await errorOf(res);
      return res.text();
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The LLM family wraps answers as `{success: true, data}`; everything else is the answer itself. */
function unwrap(body: unknown): unknown {
  return isObject(body) && body.success === true && 'data' in body ? body.data : body;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The ApiError a failed response stands for, with the server's own reason when it gave one. */
export async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): the status line is all there is to say.
  }
  if (isObject(body)) {
    const code = str(body.code);
    const reason = str(body.reason) ?? str(body.message) ?? str(body.error);
    if (code !== null && reason !== null) {
      return new ApiError(res.status, code, reason, str(body.capability), str(body.request_id));
    }
  }
  const snippet = text.trim().slice(0, 200);
  return new ApiError(
    res.status,
    `http_${res.status}`,
    `${res.status} ${res.statusText}${snippet === '' || snippet.startsWith('<') ? '' : `: ${snippet}`}`,
  );
}

/** Whatever was thrown, as an ApiError (a bug in the panel shows as its message, not silently). */
export const toApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : new ApiError(0, 'panel_error', e instanceof Error ? e.message : String(e));
