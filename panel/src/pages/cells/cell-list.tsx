import { useState } from 'preact/hooks';
import { AsyncView, Badge, SelectField, Section, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import type { LiveState } from '../../live';
import { href } from '../../router';
import { REVISION_STATES, cellPath, type CellList as CellListData } from './cell-types';

const PAGE_SIZE = 25;

/**
 * The factory's cells, filtered by state and read a page at a time (the server pages by cell id:
 * `after` is the last id of the page before). `refresh` changes when a cell event arrives.
 */
export function CellList({ refresh, live }: { refresh: number; live: LiveState }) {
  const { api } = useSignedIn();
  const [state, setState] = useState('');
  // The cursors of the pages before this one, so Previous can go back.
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const after = cursors.at(-1);
  const list = useLoad(
    () =>
      api.get<CellListData>('/factory/cells', {
        limit: PAGE_SIZE,
        state: state === '' ? undefined : state,
        after,
      }),
    [api, state, after, refresh],
  );

  return (
    <Section
      title="Cells"
      wide
      aside={
        <span class="small" aria-live="polite">
          Changes: <Badge state={live === 'open' ? 'live' : live} tone={live === 'open' ? 'good' : 'warn'} />
        </span>
      }
    >
      <div class="inline-form">
        <SelectField
          label="State"
          value={state}
          options={REVISION_STATES}
          anyLabel="any state"
          onChange={(v) => {
            // Another filter starts again from its first page.
            setCursors([undefined]);
            setState(v);
          }}
        />
      </div>
      <AsyncView
        state={list}
        what="cells"
        isEmpty={(d) => d.cells.length === 0}
        empty={state === '' ? 'No cells yet: fabricate one below.' : `No cell is ${state}.`}
      >
        {(d) => (
          <div class="cells-table-scroll">
            <table class="cells-table">
              <thead>
                <tr>
                  <th scope="col">Cell</th>
                  <th scope="col">State</th>
                  <th scope="col">Version</th>
                  <th scope="col" class="cells-optional">
                    Revisions
                  </th>
                  <th scope="col" class="cells-optional">
                    Serving
                  </th>
                  <th scope="col" class="cells-optional">
                    Updated
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.cells.map((c) => (
                  <tr key={c.id} data-cell={c.id}>
                    <td>
                      <a href={href(cellPath(c.id))}>{c.id}</a>
                    </td>
                    <td>{c.state === null ? '—' : <Badge state={c.state} />}</td>
                    <td>{c.version ?? '—'}</td>
                    <td class="cells-optional">{c.revisions.length}</td>
                    <td class="cells-optional">
                      {c.quarantine !== null ? 'quarantined' : c.serving ? 'yes' : 'no'}
                    </td>
                    <td class="cells-optional">{formatTime(c.updated_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </AsyncView>
      {(cursors.length > 1 || list.data?.next_cursor != null) && (
        <div class="cells-pager">
          <button
            type="button"
            class="button-secondary button-small"
            disabled={cursors.length <= 1}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Previous page
          </button>
          <button
            type="button"
            class="button-secondary button-small"
            disabled={list.data?.next_cursor == null}
            onClick={() => {
              const next = list.data?.next_cursor;
              if (next != null) setCursors((c) => [...c, next]);
            }}
          >
            Next page
          </button>
        </div>
      )}
    </Section>
  );
}
