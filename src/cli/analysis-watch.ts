import type { AnalysisAnswer } from '../contract/rollouts.js';
import type { PublicEvent } from '../domain/event.js';
import { note, out } from './command-kit.js';
import { followEvents } from './events-tail.js';
import { call, type Client } from './http-client.js';
import { analysisText, verdictLine } from './analysis-text.js';

/** How a watch ended: `ok` for stable or waiting for a person, not ok when the revision stopped. */
export interface AnalysisEnd {
  readonly ok: boolean;
  readonly line: string;
}

type Verdict = AnalysisAnswer['verdicts'][number];
const STOPPED = new Set(['rolled_back', 'disabled', 'deprecated', 'failed']);

/**
 * Follows a revision's analysis: its verdicts as the judge gives them and its moves, until it is stable
 * (0), waits for a person (0), or is rolled back, held after a failing verdict, or stops serving (1).
 * The state is read once the event stream is open, so nothing between the read and the stream is lost.
 */
export async function watchAnalysis(
  c: Client,
  cellId: string,
  version: string | undefined,
  o: { json: boolean },
): Promise<AnalysisEnd> {
  let watched = version;
  let lastSeq = 0;
  let end: AnalysisEnd | undefined;
  const say = (line: string) => {
    if (!o.json) out(line);
  };
  const approve = () => `fabrica cells approve ${cellId} --version ${watched ?? ''}`;
  const ended = (state: string, why: string): AnalysisEnd | undefined => {
    if (state === 'stable') return { ok: true, line: `${cellId} ${watched ?? ''} is stable (${why})` };
    if (STOPPED.has(state)) return { ok: false, line: `${cellId} ${watched ?? ''} is ${state} (${why})` };
    return undefined;
  };
  const held = (v: Pick<Verdict, 'step' | 'reasons'>): AnalysisEnd => ({
    ok: false,
    line: `${cellId} ${watched ?? ''} is held after a failing verdict (${v.reasons.join('; ')}); decide with ${approve()} --force --reason … or fabrica cells rollback ${cellId} --version ${watched ?? ''}`,
  });
  const waiting = (): AnalysisEnd => ({
    ok: true,
    line: `${cellId} ${watched ?? ''} passed its analysis and waits for a person: ${approve()}`,
  });

  const path = () => {
    const q = new URLSearchParams({ limit: '500' });
    if (watched !== undefined) q.set('version', watched);
    return `/factory/cells/${encodeURIComponent(cellId)}/analysis?${q.toString()}`;
  };

  await followEvents(
    c,
    { subjectKind: 'cell', subjectId: cellId },
    {
      note,
      onOpen: async (_after, reconnect) => {
        const a = await call<AnalysisAnswer>(c, 'GET', path());
        watched ??= a.version;
        const newer = a.verdicts.filter((v) => v.seq > lastSeq).reverse();
        if (!reconnect) {
          if (o.json) out(JSON.stringify(a));
          else out(analysisText({ ...a, verdicts: a.verdicts.slice(0, 5) }));
        } else for (const v of newer) say(verdictLine(v));
        lastSeq = Math.max(lastSeq, ...a.verdicts.map((v) => v.seq));
        const newest = a.verdicts[0];
        end =
          ended(a.state, 'as read') ??
          (a.awaiting_approval ? waiting() : undefined) ??
          (a.judge_failed && newest?.step === 'hold' ? held(newest) : undefined);
        return end !== undefined;
      },
      onEvent: (e: PublicEvent) => {
        const d = e.data as {
          version?: string;
          seq?: number;
          step?: string;
          reason?: string;
          before?: { state?: string };
          after?: { state?: string };
        };
        if (d.version !== watched) return false;
        if (o.json) out(JSON.stringify(e));
        switch (e.type) {
          case 'cell.analysis':
            if (typeof d.seq === 'number' && d.seq > lastSeq) {
              lastSeq = d.seq;
              say(verdictLine(e.data as Verdict));
            }
            if (d.step === 'hold') end = held(e.data as Verdict);
            break;
          case 'cell.awaiting_approval':
            end = waiting();
            break;
          case 'cell.transition':
          case 'factory.auto_rollback':
          case 'factory.auto_heal': {
            const to = String(d.after?.state ?? '');
            say(
              `${String(d.before?.state)} → ${to} by ${e.actor}${d.reason ? ` (${String(d.reason)})` : ''}`,
            );
            end = ended(to, `by ${e.actor}`);
            break;
          }
        }
        return end !== undefined;
      },
    },
  );
  // followEvents returns only once a handler has set the end.
  const result = end!;
  if (o.json) {
    if (!result.ok) note(result.line);
  } else out(result.line);
  return result;
}
