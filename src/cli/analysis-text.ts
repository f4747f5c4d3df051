import type { AnalysisAnswer } from '../contract/rollouts.js';
import { table } from './table.js';

type Figures = AnalysisAnswer['verdicts'][number]['canary'];
type Verdict = AnalysisAnswer['verdicts'][number];

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);

/** `412 calls, 1.2% errors, p95 14 ms` for one side of a verdict. */
export const figuresText = (f: Figures | null): string =>
  f === null ? '-' : `${f.calls} calls, ${pct(f.error_rate)} errors, p95 ${ms(f.p95_ms)}`;

/** One verdict on one line, as the watch prints it. */
export const verdictLine = (v: Verdict | (Omit<Verdict, 'at'> & { at?: string })): string =>
  `#${v.seq} ${v.state} ${v.verdict} → ${v.step} | canary ${figuresText(v.canary)} | baseline ${
    v.baseline_version ?? '-'
  } ${figuresText(v.baseline)}${v.reasons.length === 0 ? '' : ` | ${v.reasons.join('; ')}`}`;

/** The analysis of a revision for people: where it stands, then its verdicts, newest first. */
export function analysisText(a: AnalysisAnswer): string {
  const marks = [a.awaiting_approval ? 'awaiting approval' : '', a.judge_failed ? 'judge failed' : '']
    .filter((m) => m !== '')
    .join(', ');
  return [
    `cell ${a.cell}  version ${a.version}  state ${a.state}${marks === '' ? '' : ` (${marks})`}`,
    `next evaluation: ${a.next_evaluation_at ?? 'none scheduled'}`,
    a.verdicts.length === 0
      ? 'verdicts: none yet'
      : table(
          a.verdicts.map((v) => ({
            ...v,
            canary: figuresText(v.canary),
            baseline: v.baseline === null ? '-' : `${v.baseline_version ?? ''} ${figuresText(v.baseline)}`,
            reasons: v.reasons.join('; '),
          })),
          ['seq', 'state', 'verdict', 'step', 'canary', 'baseline', 'reasons', 'at'],
        ),
  ].join('\n');
}
