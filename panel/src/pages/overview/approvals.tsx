import type { OrganList } from '../../api-types';
import { AsyncView, Section, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import { href } from '../../router';

const waiting = (list: OrganList) => list.organs.filter((o) => o.awaiting_approval);

/**
 * Organs held at experimental until a human approves them (admin token; gate `organs_builder`, so a
 * locked gate shows here as `capability_disabled`).
 */
export function Approvals({ refresh }: { refresh: number }) {
  const { api } = useSignedIn();
  const list = useLoad(
    () => api.get<OrganList>('/organs', { state: 'experimental', limit: 1000 }),
    [api, refresh],
    {
      everyMs: 15_000,
    },
  );
  return (
    <Section title="Organs waiting for approval">
      <AsyncView
        state={list}
        what="organs waiting for approval"
        isEmpty={(d) => waiting(d).length === 0}
        empty="No organ is waiting for approval."
      >
        {(d) => (
          <ul class="plain-list">
            {waiting(d).map((o) => (
              <li key={o.id}>
                <a href={href(`/organs/${encodeURIComponent(o.id)}`)}>{o.id}</a>{' '}
                <span>
                  {o.template.id} {o.template.version}
                </span>{' '}
                <span class="small muted">since {formatTime(o.updated_at)}</span>
              </li>
            ))}
          </ul>
        )}
      </AsyncView>
    </Section>
  );
}
