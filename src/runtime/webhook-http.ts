import { lookup } from 'node:dns/promises';

/** How long a webhook host may take to resolve when the webhook is registered. */
const RESOLVE_TIMEOUT_MS = 5_000;

/** Why a request failed, in a few words: the system error code when there is one. */
function describe(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (err.name === 'AbortError') return 'abandoned (the server stopped)';
  const cause = err.cause?.code ?? err.cause?.message;
  return (cause ?? err.message ?? String(e)).slice(0, 300);
}

/**
 * Webhook deliveries over HTTP with Node's fetch: redirects are not followed (a 3xx is a failed attempt),
 * the answer's body is not read, and every request has its timeout.
 */
export const httpWebhookTransport = {
  async resolve(host: string): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        lookup(host),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${RESOLVE_TIMEOUT_MS} ms`)),
            RESOLVE_TIMEOUT_MS,
          );
        }),
      ]);
      return null;
    } catch (e) {
      const code = (e as { code?: string }).code;
      return code ?? (e as Error).message;
    } finally {
      clearTimeout(timer);
    }
  },

  async post(
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ status: number } | { error: string }> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status };
    } catch (e) {
      return { error: describe(e, timeoutMs) };
    }
  },
};
