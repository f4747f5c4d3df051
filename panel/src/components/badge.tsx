const GOOD = new Set(['stable', 'completed', 'passed', 'pass', 'ok', 'active', 'healthy']);
const WARN = new Set(['canary', 'experimental', 'running', 'pending', 'ready', 'planning', 'needs_review']);
const BAD = new Set(['failed', 'fail', 'locked', 'rolled_back', 'disabled', 'blocked', 'cancelled']);

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

/** The colour a state is shown in; the text is always there too, so colour is never the only signal. */
export const toneOf = (state: string): Tone =>
  GOOD.has(state) ? 'good' : WARN.has(state) ? 'warn' : BAD.has(state) ? 'bad' : 'neutral';

/** A state (`stable`, `locked`, `running`…) as a small coloured label. */
export function Badge({ state, tone }: { state: string; tone?: Tone }) {
  return <span class={`badge badge-${tone ?? toneOf(state)}`}>{state}</span>;
}
