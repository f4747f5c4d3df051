import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { AsyncView, Badge, ErrorNotice, Section, formatNumber } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import { openLive, type LiveState } from '../../live';
import { href, type PageProps } from '../../router';
import { InvokeBox } from './invoke-box';
import { OrganControls } from './organ-controls';
import type { OrganView, StageFrame } from './organ-types';
import { StageTimeline } from './stage-timeline';
import { shortTime } from './time';

const ms = (v: number | null) => (v === null ? '—' : `${formatNumber(v)} ms`);

/** One organ: its state and stages, live over its stream; the controls; an invoke box. */
export function OrganPage({ params }: PageProps) {
  const id = params.id ?? '';
  const { api, token } = useSignedIn();
  const status = useLoad(() => api.get<OrganView>(`/organs/${encodeURIComponent(id)}/status`), [api, id], {
    everyMs: 15_000,
  });
  const [live, setLive] = useState<LiveState>('connecting');
  const [refused, setRefused] = useState<ApiError | null>(null);
  const { reload } = status;

  useEffect(() => {
    setRefused(null);
    let pending: ReturnType<typeof setTimeout> | null = null;
    // The snapshot and every stage change read the status again: it holds the timeline with actors.
    const stream = openLive<StageFrame>({
      path: `/organs/${encodeURIComponent(id)}/stream`,
      token,
      onState: setLive,
      onRefused: (code, reason) => setRefused(new ApiError(0, code, reason)),
      onFrame: (f) => {
        if ((f.type === 'snapshot' || f.type === 'stage_changed') && pending === null) {
          pending = setTimeout(() => {
            pending = null;
            reload();
          }, 100);
        }
      },
    });
    return () => {
      if (pending !== null) clearTimeout(pending);
      stream.close();
    };
  }, [id, token, reload]);

  return (
    <>
      <div class="page-head">
        <h1>Organ {id}</h1>
        <span class="small" aria-live="polite">
          Stages: <Badge state={live === 'open' ? 'live' : live} tone={live === 'open' ? 'good' : 'warn'} />
        </span>
      </div>
      <p>
        <a href={href('/organs')}>All organs</a>
      </p>
      {refused !== null && <ErrorNotice error={refused} />}
      <AsyncView state={status} what="the organ">
        {(o) => (
          <div class="grid">
            <Section title="Status">
              <dl class="facts">
                <div>
                  <dt>State</dt>
                  <dd class="organ-state" aria-live="polite">
                    <Badge state={o.state} />
                    {o.awaiting_approval && <Badge state="awaiting approval" tone="warn" />}
                    {o.building && <span class="small muted">building</span>}
                  </dd>
                </div>
                <div>
                  <dt>Template</dt>
                  <dd>
                    {o.template.id} {o.template.version}
                  </dd>
                </div>
                <div>
                  <dt>Created</dt>
                  <dd>{shortTime(o.created_at)}</dd>
                </div>
                <div>
                  <dt>Build took</dt>
                  <dd>{ms(o.metrics.build_duration_ms)}</dd>
                </div>
                <div>
                  <dt>Invocations</dt>
                  <dd>
                    {o.metrics.invocations} ({o.metrics.errors} failed), p50 {ms(o.metrics.p50_ms)}, p95{' '}
                    {ms(o.metrics.p95_ms)}
                  </dd>
                </div>
              </dl>
              {o.reason !== undefined && (
                <p class="organ-reason">
                  <strong>Reason:</strong> {o.reason}
                </p>
              )}
              <h3>Cells</h3>
              <ul class="plain-list">
                {o.cells.map((c) => (
                  <li key={c.id}>
                    <code>{c.id}</code> <Badge state={c.state ?? 'missing'} />{' '}
                    <span class="small muted">{c.serving ? 'serving' : 'not serving'}</span>
                  </li>
                ))}
              </ul>
            </Section>
            <Section title="Stages">
              <StageTimeline history={o.stage_history} />
            </Section>
            <Section title="Controls">
              <OrganControls organ={o} onDone={reload} />
            </Section>
            <Section title="Invoke">
              <InvokeBox id={o.id} />
            </Section>
          </div>
        )}
      </AsyncView>
    </>
  );
}
