import { Badge, Empty, ErrorNotice, Loading, SelectField, Section } from '../../components';
import { href } from '../../router';
import { useState } from 'preact/hooks';
import { ORGAN_STATES, type OrganView } from './organ-types';
import { shortTime } from './time';
import { useOrganList } from './use-organ-list';

/** Every organ with its state, live; a filter by state; the way to the build form. */
export function OrganListPage() {
  const [state, setState] = useState('');
  const list = useOrganList(state);
  const { organs } = list;
  return (
    <>
      <div class="page-head">
        <h1>Organs</h1>
        <span class="small" aria-live="polite">
          Changes:{' '}
          <Badge
            state={list.live === 'open' ? 'live' : list.live}
            tone={list.live === 'open' ? 'good' : 'warn'}
          />
        </span>
      </div>
      <p>
        <a class="button-link" href={href('/organs/new')}>
          Build an organ
        </a>
      </p>
      <Section
        title="Organs"
        wide
        aside={
          organs !== undefined && (
            <span class="small muted organ-count">
              {organs.length} shown{list.hasMore ? ', more on the server' : ''}
            </span>
          )
        }
      >
        <div class="inline-form organ-filter">
          <SelectField
            label="State"
            value={state}
            options={ORGAN_STATES}
            anyLabel="all states"
            onChange={setState}
          />
        </div>
        {list.error !== null && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {organs === undefined ? (
          list.error === null && <Loading what="organs" />
        ) : organs.length === 0 ? (
          <Empty>{state === '' ? 'No organ has been built yet.' : `No organ is ${state}.`}</Empty>
        ) : (
          <ul class="organ-list">
            {organs.map((o) => (
              <OrganRow key={o.id} organ={o} />
            ))}
          </ul>
        )}
        {list.hasMore && (
          <button type="button" class="button-secondary" disabled={list.loading} onClick={list.loadMore}>
            Show more organs
          </button>
        )}
      </Section>
    </>
  );
}

function OrganRow({ organ: o }: { organ: OrganView }) {
  return (
    <li class="organ-row" data-organ={o.id}>
      <a href={href(`/organs/${encodeURIComponent(o.id)}`)}>{o.id}</a>
      <span class="organ-template">
        {o.template.id} <span class="muted">{o.template.version}</span>
      </span>
      <span class="organ-state">
        <Badge state={o.state} />
        {o.awaiting_approval && <Badge state="awaiting approval" tone="warn" />}
      </span>
      <span class="small muted">{shortTime(o.updated_at)}</span>
    </li>
  );
}
