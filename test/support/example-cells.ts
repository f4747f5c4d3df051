import { readdirSync, readFileSync } from 'node:fs';

/** Fabricates every example cell and approves it to stable, through the HTTP API of `request`. */
export async function loadExampleCells(
  request: (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any }>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const file of readdirSync('examples/cells')
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const tpl = JSON.parse(readFileSync(`examples/cells/${file}`, 'utf8'));
    const r = await request('POST', '/factory/cells', { backend: 'adapter', tpl });
    if (r.status !== 201) throw new Error(`fabricating ${file}: ${r.status} ${JSON.stringify(r.body)}`);
    for (let i = 0; i < 3; i += 1) {
      const a = await request('POST', `/factory/cells/${encodeURIComponent(r.body.id)}/approve`);
      if (a.status !== 200) throw new Error(`approving ${r.body.id}: ${JSON.stringify(a.body)}`);
    }
    ids.push(r.body.id);
  }
  return ids;
}
