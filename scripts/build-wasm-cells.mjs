#!/usr/bin/env node
// Builds the WASM example cells from source: each examples/cells/wasm/src/<name>.wat is compiled with
// wabt (an npm package: nothing is downloaded) into examples/cells/wasm/<name>.wasm, and the template
// examples/cells/wasm/<template id>.json is written from its <name>.template.json with the module named
// as a file of the catalog (`metadata.module_file`) and its SHA-256 pinned (`metadata.module_sha256`).
// `--check` builds in memory and fails when a committed module or template differs from a fresh build.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import wabtInit from 'wabt';

const dir = 'examples/cells/wasm';
const check = process.argv.includes('--check');
const wabt = await wabtInit();
let stale = 0;
const committed = (path) => {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0); // missing: stale
  }
};
for (const name of readdirSync(join(dir, 'src'))
  .filter((n) => n.endsWith('.wat'))
  .sort()) {
  const base = name.slice(0, -'.wat'.length);
  const source = readFileSync(join(dir, 'src', name), 'utf8');
  const parsed = wabt.parseWat(name, source);
  parsed.resolveNames();
  parsed.validate();
  const module = Buffer.from(parsed.toBinary({}).buffer);
  parsed.destroy();
  const tpl = JSON.parse(readFileSync(join(dir, 'src', `${base}.template.json`), 'utf8'));
  tpl.metadata.module_file = `${base}.wasm`;
  tpl.metadata.module_sha256 = createHash('sha256').update(module).digest('hex');
  const outputs = [
    [join(dir, `${base}.wasm`), module],
    [join(dir, `${tpl.id}.json`), Buffer.from(`${JSON.stringify(tpl, null, 2)}\n`)],
  ];
  for (const [path, bytes] of outputs) {
    if (check) {
      if (!committed(path).equals(bytes)) {
        stale += 1;
        console.error(`${path} differs from a build of ${name}: run npm run build:cells`);
      }
    } else {
      writeFileSync(path, bytes);
      console.log(`${path} (${bytes.length} bytes, from ${name})`);
    }
  }
}
process.exit(stale > 0 ? 1 : 0);
