/** Asks a chat model for one JSON answer; null (with why) when it gives none that parses. */
export interface ChatClient {
  readonly model: string;
  ask(system: string, user: string, schema: object): Promise<{ answer: unknown } | { error: string }>;
}

/**
 * An OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, llama.cpp, vLLM): one request with the
 * answer's JSON schema as `response_format` (servers that ignore it still get it in the instructions),
 * temperature 0, and a timeout, so a slow model cannot hold a request forever.
 */
export function openAiChat(url: string, model: string, timeoutMs = 15_000): ChatClient {
  return {
    model,
    async ask(system, user, schema) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
          body: JSON.stringify({
            model,
            temperature: 0,
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: user },
            ],
            response_format: { type: 'json_schema', json_schema: { name: 'command', schema } },
          }),
        });
      } catch (e) {
        return { error: `the LLM is unreachable: ${(e as Error).message}` };
      }
      if (!res.ok) return { error: `the LLM answered HTTP ${res.status}` };
      try {
        const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
        const content = body.choices?.[0]?.message?.content;
        if (typeof content !== 'string') return { error: 'the LLM answer has no message content' };
        return { answer: JSON.parse(content.replace(/^```(?:json)?\s*|\s*```$/g, '')) as unknown };
      } catch {
        return { error: 'the LLM answer is not JSON' };
      }
    },
  };
}
