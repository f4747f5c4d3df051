import { AsyncView, Badge, Section, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import { href } from '../../router';
import { useEventChanges } from '../../use-event-changes';
import { jobPath, jobTone, score, type JobList } from './training-types';

/** `#/training`: the training jobs, newest first, kept current by their events. */
export function JobsPage() {
  const { api } = useSignedIn();
  const { changes, live } = useEventChanges({ subject_kind: 'training' });
  const list = useLoad(() => api.get<JobList>('/factory/training', { limit: 100 }), [api, changes]);
  return (
    <>
      <div class="page-head">
        <h1>Training</h1>
      </div>
      <div class="grid">
        <Section
          title="Training jobs"
          wide
          aside={
            <span class="small" aria-live="polite">
              Changes:{' '}
              <Badge state={live === 'open' ? 'live' : live} tone={live === 'open' ? 'good' : 'warn'} />
            </span>
          }
        >
          <AsyncView
            state={list}
            what="training jobs"
            isEmpty={(d) => d.jobs.length === 0}
            empty="No training jobs yet: start one with POST /factory/training or fabrica train."
          >
            {(d) => (
              <div class="cells-table-scroll">
                <table class="cells-table">
                  <thead>
                    <tr>
                      <th scope="col">Job</th>
                      <th scope="col">Cell</th>
                      <th scope="col">State</th>
                      <th scope="col">Iterations</th>
                      <th scope="col">Holdout</th>
                      <th scope="col" class="cells-optional">
                        Updated
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.jobs.map((j) => (
                      <tr key={j.id} data-job={j.id}>
                        <td>
                          <a href={href(jobPath(j.id))}>{j.id}</a>
                        </td>
                        <td>
                          {j.cell_id} at {j.base_version}
                        </td>
                        <td>
                          <Badge state={j.state} tone={jobTone(j.state)} />
                        </td>
                        <td>
                          {j.iterations.length} of {j.max_iterations}
                        </td>
                        <td>
                          {score(j.score?.holdout)} / {score(j.target)}
                        </td>
                        <td class="cells-optional">{formatTime(j.updated_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </AsyncView>
        </Section>
      </div>
    </>
  );
}
