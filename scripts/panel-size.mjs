#!/usr/bin/env node
// Prints the size of the built panel (panel/dist, made by `npm run build`): each JavaScript and CSS file
// and the total, raw and gzipped (level 9, as a server or proxy would send them), as a Markdown table.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join('panel', 'dist');
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (['.js', '.css', '.html'].includes(extname(name))) files.push(p);
  }
};
try {
  walk(dist);
} catch {
  process.stderr.write(`no ${dist}: build the panel first (npm run build)\n`);
  process.exit(1);
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const rows = files.sort().map((p) => {
  const body = readFileSync(p);
  return {
    file: relative(dist, p),
    kind: extname(p).slice(1),
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
  };
});
const total = (kind) =>
  rows
    .filter((r) => kind === undefined || r.kind === kind)
    .reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip }), { raw: 0, gzip: 0 });

const lines = ['| file | raw | gzip |', '| --- | --- | --- |'];
for (const r of rows) lines.push(`| \`${r.file}\` | ${kb(r.raw)} | ${kb(r.gzip)} |`);
for (const kind of ['js', 'css']) {
  const t = total(kind);
  lines.push(`| all ${kind.toUpperCase()} | ${kb(t.raw)} | ${kb(t.gzip)} |`);
}
const all = total();
lines.push(`| **everything** | **${kb(all.raw)}** | **${kb(all.gzip)}** |`);
process.stdout.write(`${lines.join('\n')}\n`);
