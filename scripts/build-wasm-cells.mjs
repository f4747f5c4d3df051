#!/usr/bin/env node
// Builds the WASM example cells from source: each examples/cells/wasm/src/<name>.wat is compiled with
// wabt (an npm package: nothing is downloaded) and written, base64 in `metadata.module`, into the
// template examples/cells/wasm/<template id>.json next to its <name>.template.json.
// `--check` builds in memory and fails when a committed template differs from a fresh build.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import wabtInit from 'wabt';

const dir = 'examples/cells/wasm';
const check = process.argv.includes('--check');
const wabt = await wabtInit();
let stale = 0;
for (const name of readdirSync(join(dir, 'src'))
  .filter((n) => n.endsWith('.wat'))
  .sort()) {
  const base = name.slice(0, -'.wat'.length);
  const source = readFileSync(join(dir, 'src', name), 'utf8');
  const parsed = wabt.parseWat(name, source);
  parsed.resolveNames();
  parsed.validate();
  const { buffer } = parsed.toBinary({});
  parsed.destroy();
  const tpl = JSON.parse(readFileSync(join(dir, 'src', `${base}.template.json`), 'utf8'));
  tpl.metadata.module = Buffer.from(buffer).toString('base64');
  const out = join(dir, `${tpl.id}.json`);
  const text = `${JSON.stringify(tpl, null, 2)}\n`;
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(out, 'utf8');
    } catch {
      /* missing: stale */
    }
    if (committed !== text) {
      stale += 1;
      console.error(`${out} differs from a build of ${name}: run npm run build:cells`);
    }
  } else {
    writeFileSync(out, text);
    console.log(`${out} (${buffer.length} bytes of WebAssembly from ${name})`);
  }
}
process.exit(stale > 0 ? 1 : 0);
