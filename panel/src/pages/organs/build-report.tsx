import { Badge } from '../../components';
import type { DryRun } from './organ-types';

/** What a dry run found: the cells as resolved, the pathways, and the risks, blocking ones first. */
export function BuildReport({ report }: { report: DryRun['report'] }) {
  const risks = [...report.risks].sort(
    (a, b) => Number(b.severity === 'blocking') - Number(a.severity === 'blocking'),
  );
  return (
    <div class="build-report" aria-label="Dry-run report">
      <p class="report-verdict">
        {report.ok ? (
          <>
            <Badge state="ok" tone="good" /> No blocking risk: the organ can be built.
          </>
        ) : (
          <>
            <Badge state="blocked" tone="bad" /> Blocking risks: the build would be refused.
          </>
        )}
      </p>
      <h3>Risks</h3>
      {risks.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul class="plain-list risks">
          {risks.map((r, i) => (
            <li key={i} class={`risk risk-${r.severity}`}>
              <Badge state={r.severity} tone={r.severity === 'blocking' ? 'bad' : 'warn'} />{' '}
              <code>{r.code}</code>: {r.message}
            </li>
          ))}
        </ul>
      )}
      <h3>Cells</h3>
      <ul class="plain-list">
        {report.cells.map((c) => (
          <li key={c.ref}>
            <code>{c.id}</code>{' '}
            {c.exists ? (
              <Badge state={c.state ?? 'no revision'} />
            ) : (
              <Badge state="not registered" tone="bad" />
            )}{' '}
            <span class="small muted">{c.serving ? 'serving' : 'not serving'}</span>
          </li>
        ))}
      </ul>
      <h3>Pathways</h3>
      {report.pathways.length === 0 ? (
        <p class="muted">None: invoke runs the cells in their listed order.</p>
      ) : (
        <ul class="plain-list">
          {report.pathways.map((p) => (
            <li key={p.name}>
              <strong>{p.name}</strong>: {p.cells.join(' → ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
