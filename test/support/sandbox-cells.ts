import assert from 'node:assert/strict';
import type { TestFabrica } from './app.js';

/** Both sandboxed backends open, as an operator would set them. */
export const SANDBOX_ENV = { FABRICA_CAPABILITIES: 'factory_script=experimental,factory_wasm=experimental' };

/** Limits a healthy cell gets in tests: far above what it needs, so a loaded machine never trips them. */
export const ROOMY = { cpu_ms: 1000 };

export const scriptTemplate = (id: string, source: string, metadata: Record<string, unknown> = {}) => ({
  id,
  version: '0.1.0',
  analysis_type: 'script',
  links: [],
  metadata: { schema: 'v1', ...metadata },
  draft_content: source,
});

/** Fabricates a cell and approves it to stable; answers its full id. */
export async function stableCell(
  f: TestFabrica,
  backend: 'script' | 'wasm',
  tpl: { id: string },
): Promise<string> {
  const created = await f.request('POST', '/factory/cells', { body: { backend, tpl } });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as string;
  for (let i = 0; i < 3; i++) {
    const r = await f.request('POST', `/factory/cells/${encodeURIComponent(id)}/approve`, {
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 200, r.text);
  }
  return id;
}

export const invoke = (f: TestFabrica, id: string, input: unknown) =>
  f.request('POST', `/factory/cells/${encodeURIComponent(id)}/invoke`, { body: { input } });
