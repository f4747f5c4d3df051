import { useEffect, useState } from 'preact/hooks';
import { can } from '../../access';
import { AsyncView, Badge, Section, SelectField, TextField, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import { href } from '../../router';
import { CreateRun } from './create-run';
import { useEventChanges } from '../../use-event-changes';
import { RUN_STATUSES, type RunView } from './run-types';

/** Runs per page; the API pages newest first by id, with the last id as the cursor. */
const PAGE = 20;

/** Every run the token may see, newest first, refreshed as run events arrive. */
export function RunsPage() {
  const { api, who } = useSignedIn();
  const [status, setStatus] = useState('');
  const [tenant, setTenant] = useState('');
  // The cursors of the pages before this one: empty on the first page.
  const [cursors, setCursors] = useState<readonly string[]>([]);
  const after = cursors.at(-1);
  const admin = who.kind === 'admin';
  // Run events (a tenant token gets its own tenant's only).
  const { changes, live } = useEventChanges({ subject_kind: 'run' });
  useEffect(() => setCursors([]), [status, tenant]);

  const runs = useLoad(
    () =>
      api.get<RunView[]>('/llm/factory/runs', {
        limit: PAGE,
        after,
        status: status === '' ? undefined : status,
        tenant: admin && tenant.trim() !== '' ? tenant.trim() : undefined,
      }),
    [api, status, tenant, after, changes],
  );

  return (
    <>
      <div class="page-head">
        <h1>Runs</h1>
        <span class="small" aria-live="polite">
          Changes: <Badge state={live === 'open' ? 'live' : live} tone={live === 'open' ? 'good' : 'warn'} />
        </span>
      </div>
      <div class="grid">
        <Section title="Runs" wide>
          <div class="inline-form runs-filters">
            <SelectField
              label="Status"
              value={status}
              options={RUN_STATUSES}
              anyLabel="any"
              onChange={setStatus}
            />
            {admin && (
              <TextField label="Tenant" hint="Empty: every tenant." value={tenant} onInput={setTenant} />
            )}
          </div>
          <AsyncView
            state={runs}
            what="runs"
            isEmpty={(d) => d.length === 0}
            empty={
              status === '' && cursors.length === 0
                ? 'No runs yet. A run starts with POST /llm/factory/runs, or the form below.'
                : 'No runs match.'
            }
          >
            {(list) => <RunList runs={list} showTenant={admin} />}
          </AsyncView>
          <div class="pager">
            <button
              type="button"
              class="button-secondary button-small"
              disabled={cursors.length === 0}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              Newer runs
            </button>
            <button
              type="button"
              class="button-secondary button-small"
              // A full page means there may be more: the server's own rule for next_cursor.
              disabled={runs.data === undefined || runs.data.length < PAGE}
              onClick={() => {
                const last = runs.data?.at(-1);
                if (last !== undefined) setCursors((c) => [...c, last.id]);
              }}
            >
              Older runs
            </button>
          </div>
        </Section>
        {can(who, { access: 'edit' }) && <CreateRun />}
      </div>
    </>
  );
}

function RunList({ runs, showTenant }: { runs: readonly RunView[]; showTenant: boolean }) {
  return (
    <ul class="run-list">
      {runs.map((r) => (
        <li key={r.id} class="run-item" data-run={r.id}>
          <div class="run-item-head">
            <a href={href('/runs/' + encodeURIComponent(r.id))}>{r.title ?? r.source_brief ?? r.id}</a>
            <Badge state={r.status} />
          </div>
          <p class="small muted run-item-meta">
            <code>{r.id}</code>
            {r.workflow_kind !== null && <span> · {r.workflow_kind}</span>}
            {showTenant && <span> · tenant {r.tenant}</span>}
            <span> · updated {formatTime(r.updated_at)}</span>
          </p>
          {r.title !== null && r.source_brief !== '' && <p class="small run-brief">{r.source_brief}</p>}
          {r.cancel_reason !== null && <p class="small muted">Cancelled: {r.cancel_reason}</p>}
        </li>
      ))}
    </ul>
  );
}
