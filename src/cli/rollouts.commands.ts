import { InvalidArgumentError, type Command } from 'commander';
import type { AnalysisAnswer, PolicyAnswer } from '../contract/rollouts.js';
import { organCellId } from '../domain/organs/organ-template.js';
import { intArg, print, withClientOptions, type ClientOpts } from './command-kit.js';
import { call, type Client } from './http-client.js';
import { watchAnalysis } from './analysis-watch.js';
import { analysisText } from './analysis-text.js';

const cellPath = (id: string, rest = '') => `/factory/cells/${encodeURIComponent(organCellId(id))}${rest}`;

/** `--set analysis.min_calls=50`: a dotted path and a value (JSON when it parses, else text). */
export type Setting = { path: string[]; value: unknown };

export const settingArg = (v: string, previous: Setting[] = []): Setting[] => {
  const eq = v.indexOf('=');
  const key = eq < 0 ? '' : v.slice(0, eq).trim();
  if (eq < 0 || !/^[a-z_]+(\.[a-z_0-9]+)*$/.test(key))
    throw new InvalidArgumentError(
      `--set takes key=value with a dotted key such as analysis.min_calls=50 (got "${v.slice(0, 80)}")`,
    );
  const raw = v.slice(eq + 1).trim();
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: the text itself (the server says whether a field takes text).
  }
  return [...previous, { path: key.split('.'), value }];
};

/** The policy with each setting written at its path; the server validates the result field by field. */
export function applySettings(policy: Record<string, unknown>, settings: readonly Setting[]) {
  const next = structuredClone(policy);
  for (const { path, value } of settings) {
    let at: Record<string, unknown> = next;
    for (const key of path.slice(0, -1)) {
      const child = at[key];
      if (child === null || typeof child !== 'object' || Array.isArray(child)) at[key] = {};
      at = at[key] as Record<string, unknown>;
    }
    at[path[path.length - 1]!] = value;
  }
  return next;
}

/** Every leaf of the policy as `path  value`, in the order the server gives them. */
function policyText(p: PolicyAnswer): string {
  const lines: string[] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      for (const [k, child] of Object.entries(v)) walk(prefix === '' ? k : `${prefix}.${k}`, child);
    else lines.push(`${prefix.padEnd(34)} ${JSON.stringify(v)}`);
  };
  walk('', p.policy);
  const who =
    p.version === 0
      ? 'defaults (never set)'
      : `version ${p.version}, set by ${p.updated_by} at ${p.updated_at}`;
  return [`policy of ${p.cell}: ${who}`, ...lines].join('\n');
}

/** `fabrica cells analysis|policy`: the judge's verdicts (followed live with --watch) and the policy. */
export function registerRolloutCommands(cells: Command, client: (o: ClientOpts) => Client): void {
  withClientOptions(
    cells
      .command('analysis')
      .description('The judge’s verdicts on a revision (default the newest), newest first.')
      .argument('<id>')
      .option('--version <version>', 'the revision (default: the newest)')
      .option('--limit <n>', 'how many verdicts (default 20)', intArg)
      .option('--watch', 'follow the analysis live until the revision is stable, waits, or is rolled back'),
  )
    .addHelpText(
      'after',
      `
--watch prints each verdict as the judge gives it, and each move of the revision.
Exit codes: 0 when the revision is stable or waits for a person (the line names the command that
approves it); 1 when it is rolled back, held after a failing verdict, or otherwise stops serving.
With --json, prints the analysis and then each event of the cell as JSON lines.`,
    )
    .action(async (id: string, o: ClientOpts & { version?: string; limit?: number; watch?: boolean }) => {
      const c = client(o);
      if (o.watch === true) {
        const end = await watchAnalysis(c, organCellId(id), o.version, { json: o.json === true });
        if (!end.ok) process.exitCode = 1;
        return;
      }
      const q = new URLSearchParams({ limit: String(o.limit ?? 20) });
      if (o.version !== undefined) q.set('version', o.version);
      const r = await call<AnalysisAnswer>(c, 'GET', cellPath(id, `/analysis?${q.toString()}`));
      print(o, r, () => analysisText(r));
    });

  withClientOptions(
    cells
      .command('policy')
      .description('Show the cell’s rollout policy, or change fields of it with --set (admin; audited).')
      .argument('<id>')
      .option(
        '--set <key=value>',
        'a field to change, e.g. hitl=false, analysis.min_calls=50, shadow.enabled=true (repeatable)',
        settingArg,
      ),
  )
    .addHelpText(
      'after',
      `
Values are JSON when they parse (50, true, null, "text"), text otherwise. The other fields keep their
current values; the change is refused (409) if someone changed the policy since it was read.
Fields and defaults: docs/rollouts.md.`,
    )
    .action(async (id: string, o: ClientOpts & { set?: Setting[] }) => {
      const c = client(o);
      const current = await call<PolicyAnswer>(c, 'GET', cellPath(id, '/policy'));
      if (o.set === undefined || o.set.length === 0) {
        print(o, current, () => policyText(current));
        return;
      }
      const body = { ...applySettings(current.policy, o.set), if_version: current.version };
      const r = await call<PolicyAnswer>(c, 'PUT', cellPath(id, '/policy'), body);
      print(o, r, () => policyText(r));
    });
}
