import { Badge, Empty, Section, formatTime } from '../../components';
import type { RunStatusView, RunView, WorkCounts } from './run-types';

/** What the run is: its ids, source and times. */
export function RunFacts({ run, status }: { run: RunView; status: RunStatusView | undefined }) {
  return (
    <Section title="Run">
      <dl class="facts run-facts">
        <div>
          <dt>Id</dt>
          <dd>
            <code>{run.id}</code>
          </dd>
        </div>
        <div>
          <dt>Tenant</dt>
          <dd>{run.tenant}</dd>
        </div>
        <div>
          <dt>Workflow</dt>
          <dd>{run.workflow_kind ?? '—'}</dd>
        </div>
        <div>
          <dt>Current stage</dt>
          <dd>{status?.current_stage ?? run.current_stage ?? '—'}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(run.created_at)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{formatTime(status?.updated_at ?? run.updated_at)}</dd>
        </div>
        <div>
          <dt>Advances</dt>
          <dd>{run.auto_advance ? 'by itself' : 'when asked'}</dd>
        </div>
      </dl>
      <p class="small run-brief">
        <span class="muted">{run.source.kind}:</span> {run.source_brief}
      </p>
      {run.cancel_reason !== null && <p class="small">Cancelled: {run.cancel_reason}</p>}
    </Section>
  );
}

function Counts({ label, counts }: { label: string; counts: WorkCounts }) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <div class="run-counts" data-counts={label.toLowerCase()}>
      <h3>
        {label} <span class="muted small">({total})</span>
      </h3>
      <dl>
        {Object.entries(counts).map(([state, n]) => (
          <div key={state} class={n === 0 ? 'muted' : undefined}>
            <dt>{state}</dt>
            <dd>{n}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

/** The status aggregate: counts, the latest checkpoint and the latest verdict of each gate. */
export function RunStatusPanel({ status }: { status: RunStatusView }) {
  const verdicts = Object.entries(status.latest_gate_verdicts);
  return (
    <Section title="Status" aside={<Badge state={status.status} />}>
      <Counts label="Stages" counts={status.stage_counts} />
      <Counts label="Issues" counts={status.issue_counts} />
      <h3>Gate verdicts</h3>
      {verdicts.length === 0 ? (
        <Empty>No gate has been checked yet.</Empty>
      ) : (
        <ul class="plain-list">
          {verdicts.map(([gate, verdict]) => (
            <li key={gate}>
              {gate}: <Badge state={verdict} />
            </li>
          ))}
        </ul>
      )}
      <p class="small">
        Latest checkpoint:{' '}
        {status.latest_checkpoint_status === null ? (
          'none yet'
        ) : (
          <>
            <Badge state={status.latest_checkpoint_status} />{' '}
            <code class="small">{status.latest_checkpoint_id}</code>
          </>
        )}
      </p>
    </Section>
  );
}

function Lines({ items, none }: { items: readonly string[]; none: string }) {
  return items.length === 0 ? (
    <Empty>{none}</Empty>
  ) : (
    <ul class="plain-list run-lines">
      {items.map((x, i) => (
        <li key={i}>{x}</li>
      ))}
    </ul>
  );
}

/** What stands in the run's way and what to do about it, as the kernel decides it. */
export function RunToDo({ status }: { status: RunStatusView }) {
  return (
    <Section title="Blockers and next actions">
      <h3>Blockers</h3>
      <Lines items={status.blockers} none="Nothing needs a person." />
      <h3>Waiting on</h3>
      <Lines items={status.waiting_on} none="Nothing: the next step can be taken." />
      <h3>Next actions</h3>
      <Lines items={status.next_actions} none="Nothing to do." />
      {status.diagnostics.length > 0 && (
        <>
          <h3>Needs attention</h3>
          <Lines items={status.diagnostics} none="" />
        </>
      )}
    </Section>
  );
}
