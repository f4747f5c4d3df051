import { useState } from 'preact/hooks';
import { toApiError, withQuery, type ApiError } from '../../api';
import { AsyncView, Badge, ErrorNotice, LineChart, Section, TextField, formatNumber } from '../../components';
import { useSignedIn } from '../../context';
import { useInterval, useLoad } from '../../hooks';
import { cellApi, type CellView, type RevisionView } from './cell-types';
import { PolicyForm } from './policy-form';
import { ShadowReport } from './shadow-report';
import { ANALYSED, STEPS, type Analysis, type Figures, type Policy, type Stats } from './rollout-types';

const pct = (v: number | null) => (v === null ? '—' : `${formatNumber(Math.round(v * 1000) / 10)}%`);
const ms = (v: number | null) => (v === null ? '—' : `${formatNumber(Math.round(v))} ms`);
const figures = (f: Figures | null) =>
  f === null ? '—' : `${formatNumber(f.calls)} calls, ${pct(f.error_rate)} errors, p95 ${ms(f.p95_ms)}`;

/** The revision the rollout is about: the newest under analysis, else the newest. */
const focusOf = (c: CellView): RevisionView | undefined =>
  [...c.revisions].reverse().find((r) => ANALYSED.includes(r.state)) ?? c.revisions.at(-1);

/**
 * The rollout of a cell in the manner of Argo Rollouts: the steps draft → canary → experimental → stable
 * with the revisions in each and their share of the traffic, the countdown to the judge's next look, its
 * verdicts with their reasons, canary against baseline over time, and the policy. Reloaded whenever the
 * cell changes (its stream) and at each look.
 */
export function RolloutView({ cell }: { cell: CellView }) {
  const { api } = useSignedIn();
  const focus = focusOf(cell);
  const version = focus?.version;
  const changed = `${cell.updated_at}|${cell.revisions.map((r) => r.updated_at).join()}`;
  const analysis = useLoad(
    () => api.get<Analysis>(withQuery(cellApi(cell.id, '/analysis'), { version, limit: 20 })),
    [api, cell.id, version, changed],
  );
  const stable = cell.revisions.find((r) => r.state === 'stable');
  const stats = useLoad(() => api.get<Stats>(cellApi(cell.id, '/stats')), [api, cell.id, changed], {
    everyMs: 30_000,
  });
  const policy = useLoad(() => api.get<Policy>(cellApi(cell.id, '/policy')), [api, cell.id]);
  const [now, setNow] = useState(Date.now());
  useInterval(() => {
    setNow(Date.now());
    // The judge looked: read its verdict (its event also reloads through the cell's stream).
    const due = analysis.data?.next_evaluation_at;
    if (due !== undefined && due !== null && Date.parse(due) + 1000 < Date.now() && !analysis.loading)
      analysis.reload();
  }, 1000);

  if (focus === undefined) return null;
  const a = analysis.data;
  const due = a?.next_evaluation_at ?? null;
  const countdown = due === null ? null : Math.max(0, Math.ceil((Date.parse(due) - now) / 1000));
  const series = (v: string | undefined, key: 'error_rate' | 'p95_ms') =>
    (stats.data?.revisions.find((r) => r.version === v)?.points ?? [])
      .filter((p) => p[key] !== null)
      .map((p) => ({ t: Date.parse(p.at), v: key === 'error_rate' ? p[key]! * 100 : p[key]! }));

  return (
    <Section title="Rollout" wide>
      <ol class="rollout-steps" aria-label="Rollout steps">
        {STEPS.map((step) => {
          const here = cell.revisions.filter((r) => r.state === step);
          return (
            <li
              key={step}
              class={step === focus.state ? 'rollout-step current' : 'rollout-step'}
              aria-current={step === focus.state ? 'step' : undefined}
            >
              <strong>{step}</strong>
              {here.map((r) => (
                <span key={r.id} class="small" data-step-revision={r.version}>
                  {r.version} · {formatNumber(r.traffic_percent)}% of calls
                </span>
              ))}
            </li>
          );
        })}
      </ol>
      <p aria-live="polite" class="rollout-status">
        Revision <strong>{focus.version}</strong> <Badge state={focus.state} />
        {a?.awaiting_approval === true && <Badge state="awaiting approval" tone="warn" />}
        {a?.judge_failed === true && <Badge state="judge failed" tone="bad" />}{' '}
        {countdown === null
          ? ANALYSED.includes(focus.state)
            ? 'No look scheduled.'
            : 'Not under analysis.'
          : `Next look in ${countdown} s.`}
      </p>
      {a?.judge_failed === true && ANALYSED.includes(focus.state) && (
        <ForceApprove cellId={cell.id} version={focus.version} onDone={analysis.reload} />
      )}
      <div class="grid">
        <LineChart label={`Errors ${focus.version}`} unit="%" points={series(focus.version, 'error_rate')} />
        <LineChart
          label={`Errors baseline ${stable?.version ?? '—'}`}
          unit="%"
          points={series(stable?.version, 'error_rate')}
        />
        <LineChart label={`p95 ${focus.version}`} unit="ms" points={series(focus.version, 'p95_ms')} />
        <LineChart
          label={`p95 baseline ${stable?.version ?? '—'}`}
          unit="ms"
          points={series(stable?.version, 'p95_ms')}
        />
      </div>
      <h3>Verdicts</h3>
      <AsyncView state={analysis} what="the verdicts">
        {(x) =>
          x.verdicts.length === 0 ? (
            <p class="muted">No verdict yet.</p>
          ) : (
            <table class="rollout-verdicts">
              <caption class="visually-hidden">The judge's verdicts on {x.version}, newest first</caption>
              <thead>
                <tr>
                  <th>#</th>
                  <th>State</th>
                  <th>Verdict</th>
                  <th>Step</th>
                  <th>Canary</th>
                  <th>Baseline</th>
                  <th>Reasons</th>
                </tr>
              </thead>
              <tbody>
                {x.verdicts.map((v) => (
                  <tr key={v.seq} data-verdict={v.seq}>
                    <td>{v.seq}</td>
                    <td>{v.state}</td>
                    <td>
                      <Badge
                        state={v.verdict}
                        tone={v.verdict === 'pass' ? 'good' : v.verdict === 'fail' ? 'bad' : 'warn'}
                      />
                    </td>
                    <td>{v.step}</td>
                    <td>{figures(v.canary)}</td>
                    <td>{figures(v.baseline)}</td>
                    <td>{v.reasons.join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </AsyncView>
      {(policy.data?.policy.shadow.enabled === true || cell.revisions.length > 1) && (
        <>
          <h3>Shadow traffic</h3>
          <ShadowReport cellId={cell.id} changed={changed} />
        </>
      )}
      <h3>Policy</h3>
      <AsyncView state={policy} what="the policy">
        {(p) => <PolicyForm cellId={cell.id} policy={p} onSaved={policy.reload} />}
      </AsyncView>
    </Section>
  );
}

/** Approving past a failing verdict: a reason is required, and the server audits it. */
function ForceApprove({ cellId, version, onDone }: { cellId: string; version: string; onDone: () => void }) {
  const { api } = useSignedIn();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const send = async () => {
    setError(null);
    try {
      await api.post(withQuery(cellApi(cellId, '/approve'), { version }), {
        force: true,
        reason: reason.trim(),
      });
      setReason('');
      onDone();
    } catch (e) {
      setError(toApiError(e));
    }
  };
  return (
    <div class="rollout-force">
      <TextField
        label={`Reason to approve ${version} despite the failing verdict`}
        value={reason}
        onInput={setReason}
      />
      <button type="button" class="button-danger" onClick={() => void send()}>
        Force approve {version}
      </button>
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}
