import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import type { AppliedView, CommandPlanView } from '../contract/commands.js';
import { note, oneOf, out, text, withClientOptions, type ClientOpts } from './command-kit.js';
import { call, CliError, type Client } from './http-client.js';
import { watchBuild } from './organ-watch.js';

type SayOpts = ClientOpts & { yes?: boolean; lang?: 'ru' | 'en'; watch?: boolean };

const paint = (tty: boolean, code: number, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

/** The plan for people: intent, spec, checks, diff and the requests (coloured on a terminal). */
export function planText(p: CommandPlanView, tty: boolean): string {
  const lines = [
    `intent   ${p.intent} (${p.lang}, confidence ${p.confidence})${p.target === null ? '' : ` → ${p.target}`}`,
  ];
  if (p.spec !== null)
    lines.push(
      'spec',
      ...JSON.stringify(p.spec, null, 2)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  lines.push('checks');
  for (const c of p.checks)
    lines.push(`  ${c.ok ? paint(tty, 32, '✓') : paint(tty, 31, '✗')} ${c.name}: ${c.reason}`);
  if (p.diff !== null) {
    lines.push('diff');
    for (const l of p.diff.lines.length === 0 ? ['(no change)'] : p.diff.lines)
      lines.push(`  ${paint(tty, l.startsWith('+') ? 32 : l.startsWith('-') ? 31 : 33, l)}`);
  }
  lines.push('apply', ...p.apply.map((r) => `  ${r.method} ${r.path}`));
  return lines.join('\n');
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes|д|да)$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** What a refusal offers instead, on stderr: the closest intents with examples, or the candidates. */
function hint(e: CliError): void {
  const closest = e.body?.closest;
  if (Array.isArray(closest))
    for (const c of closest as { intent?: unknown; example?: unknown }[])
      note(`try ${text(c.intent)}: fabrica say "${text(c.example)}"`);
  const candidates = e.body?.candidates;
  if (Array.isArray(candidates)) note(`candidates: ${candidates.map(text).join(', ')}`);
}

/** `fabrica say "…"`: plan a command in Russian or English, show it, confirm, apply, follow a build. */
export function registerSayCommand(program: Command, client: (o: ClientOpts) => Client): void {
  withClientOptions(
    program
      .command('say')
      .description('Say a command in Russian or English: see the plan and its diff, confirm, apply.')
      .argument('<text...>', 'the command, e.g. "собери speak-pipeline normalize→phonemes→adapter"')
      .option(
        '--lang <lang>',
        'the language (default: Russian when the text has Cyrillic)',
        oneOf(['ru', 'en']),
      )
      .option('-y, --yes', 'apply without asking')
      .option('--no-watch', 'do not follow an organ build after applying'),
  ).action(async (words: string[], o: SayOpts) => {
    const c = client(o);
    const tty = o.json !== true && process.stdout.isTTY;
    const plan = await call<CommandPlanView>(c, 'POST', '/factory/commands', {
      text: words.join(' '),
      ...(o.lang === undefined ? {} : { lang: o.lang }),
    }).catch((e: unknown) => {
      if (e instanceof CliError && o.json !== true) hint(e);
      throw e;
    });
    out(o.json === true ? JSON.stringify(plan) : planText(plan, tty));
    let go = o.yes === true;
    if (!go) {
      if (!process.stdin.isTTY || o.json === true) {
        note(
          `not applied: run again with --yes, or apply command ${plan.id} within its expiry (${plan.expires_at})`,
        );
        return;
      }
      go = await confirm('apply? [y/N] ');
      if (!go) return void note('not applied');
    }
    const path = `/factory/commands/${encodeURIComponent(plan.id)}/apply`;
    const builds = plan.intent === 'organ.build' || plan.intent === 'organ.new_version';
    if (builds && o.watch !== false) {
      await watchBuild(
        c,
        async () => {
          const applied = await call<AppliedView>(c, 'POST', path);
          const built = (applied.results[0]?.body ?? {}) as { organ_id?: unknown; state?: unknown };
          return { id: text(built.organ_id), state: text(built.state), answer: applied };
        },
        { tty, json: o.json === true, write: (s) => void process.stdout.write(s), note },
      );
      return;
    }
    const applied = await call<AppliedView>(c, 'POST', path);
    if (o.json === true) return out(JSON.stringify(applied));
    for (const r of applied.results) {
      out(`${r.method} ${r.path} → ${r.status}`);
      if (r.method === 'GET') out(JSON.stringify(r.body, null, 2));
    }
  });
}
