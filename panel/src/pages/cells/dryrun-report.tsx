import { Badge, Empty } from '../../components';
import type { DryRun } from './cell-types';

const show = (v: unknown): string => (v === null || v === undefined ? '—' : JSON.stringify(v));

/** What a fabrication would do, as `POST /factory/cells/dryrun` reports it. */
export function DryRunReport({ dry }: { dry: DryRun }) {
  const { report } = dry;
  const blocking = report.risks.filter((r) => r.severity === 'blocking').length;
  return (
    <div class="cells-dryrun" aria-label="Dry run report" role="region">
      <p>
        <Badge state={dry.ok ? 'ok' : 'blocked'} />{' '}
        {dry.ok
          ? 'Nothing blocks this fabrication.'
          : `${blocking} blocking risk${blocking === 1 ? '' : 's'}: fix the template before creating it.`}
      </p>
      <dl class="facts">
        <div>
          <dt>Analysis type</dt>
          <dd>
            <code>{report.analysis_type}</code>
          </dd>
        </div>
        <div>
          <dt>Cell</dt>
          <dd>
            <code>{report.compat.cell}</code>
          </dd>
        </div>
        <div>
          <dt>Current stable</dt>
          <dd>{report.compat.current_stable ?? 'none'}</dd>
        </div>
        <div>
          <dt>Links</dt>
          <dd>{report.links.length === 0 ? 'none' : report.links.join(', ')}</dd>
        </div>
      </dl>

      <h3>Dependencies</h3>
      {report.deps.length === 0 ? (
        <Empty>No links.</Empty>
      ) : (
        <ul class="plain-list">
          {report.deps.map((d) => (
            <li key={d.link}>
              <code>{d.link}</code> →{' '}
              {d.missing ? (
                <Badge state="missing" tone="bad" />
              ) : (
                <>
                  <code>{d.cell}</code> {d.state !== null && <Badge state={d.state} />}
                </>
              )}
            </li>
          ))}
        </ul>
      )}

      <h3>Risks</h3>
      {report.risks.length === 0 ? (
        <Empty>No risks found.</Empty>
      ) : (
        <ul class="plain-list">
          {report.risks.map((r, i) => (
            <li key={i} class={`cells-risk cells-risk-${r.severity}`}>
              <Badge
                state={r.severity === 'blocking' ? 'blocking' : r.severity}
                tone={r.severity === 'blocking' ? 'bad' : r.severity === 'warning' ? 'warn' : 'neutral'}
              />{' '}
              <code>{r.code}</code>: {r.message}
            </li>
          ))}
        </ul>
      )}

      <h3>Changes against the stable revision</h3>
      {report.compat.changes.length === 0 ? (
        <Empty>
          {report.compat.current_stable === null ? 'No stable revision to compare with.' : 'No changes.'}
        </Empty>
      ) : (
        <ul class="plain-list">
          {report.compat.changes.map((c) => (
            <li key={c.field}>
              <code>{c.field}</code>: <code class="cells-wrap">{show(c.from)}</code> →{' '}
              <code class="cells-wrap">{show(c.to)}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
