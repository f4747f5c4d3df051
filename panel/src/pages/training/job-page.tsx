import { useMemo } from 'preact/hooks';
import { AsyncView, Badge, Section, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import { href, type PageProps } from '../../router';
import { useEventChanges } from '../../use-event-changes';
import { cellPath } from '../cells/cell-types';
import { JobControls } from './job-controls';
import { ProposalDiff } from './proposal-diff';
import { ScoreChart } from './score-chart';
import { jobApi, jobTone, score, type DatasetPage, type Example, type Job } from './training-types';

/** The most examples read to show the diff's text (one page of the dataset route). */
const EXAMPLES_SHOWN = 1000;

/**
 * One training job: its state and scores, the score chart, the proposal (awaiting approval, else the
 * last one) with its per-example diff, the controls, and every iteration. Kept current by the job's
 * events on `WS /events`.
 */
export function JobPage({ params }: PageProps) {
  const id = params.id ?? '';
  const { api } = useSignedIn();
  const { changes, live, bump } = useEventChanges({ subject_kind: 'training', subject_id: id });
  const job = useLoad(() => api.get<Job>(jobApi(id)), [api, id, changes]);
  const datasetId = job.data?.dataset_id;
  const dataset = useLoad(
    () =>
      datasetId === undefined
        ? Promise.resolve(null)
        : api.get<DatasetPage>(`/factory/datasets/${encodeURIComponent(datasetId)}`, {
            limit: EXAMPLES_SHOWN,
          }),
    [api, datasetId],
  );
  const examples = useMemo(
    () => new Map<number, Example>((dataset.data?.examples ?? []).map((e) => [e.index, e])),
    [dataset.data],
  );

  return (
    <>
      <div class="page-head">
        <h1 class="training-title">Training job {id}</h1>
        <span class="small" aria-live="polite">
          Changes: <Badge state={live === 'open' ? 'live' : live} tone={live === 'open' ? 'good' : 'warn'} />
        </span>
      </div>
      <p>
        <a href={href('/training')}>All training jobs</a>
      </p>
      <AsyncView state={job} what="the job">
        {(j) => {
          const last = j.iterations.at(-1);
          const shown = j.proposal ?? [...j.iterations].reverse().find((it) => it.proposal)?.proposal ?? null;
          const shownOf = j.iterations.find((it) => it.proposal?.version === shown?.version);
          return (
            <div class="grid">
              <Section title="Job">
                <dl class="facts training-facts">
                  <div>
                    <dt>State</dt>
                    <dd class="job-state" aria-live="polite">
                      <Badge state={j.state} tone={jobTone(j.state)} />
                      {j.state === 'running' && <span class="small muted"> {j.phase}</span>}
                    </dd>
                  </div>
                  <div>
                    <dt>Cell</dt>
                    <dd>
                      <a href={href(cellPath(j.cell_id))}>{j.cell_id}</a> at {j.base_version}
                    </dd>
                  </div>
                  <div>
                    <dt>Score</dt>
                    <dd>
                      train {score(j.score?.train)}, holdout {score(j.score?.holdout)} ({j.metric}, target{' '}
                      {score(j.target)})
                    </dd>
                  </div>
                  <div>
                    <dt>Search</dt>
                    <dd>
                      {j.search.strategy}, {j.search.trials_per_iteration} per iteration; iteration{' '}
                      {last?.number ?? 0} of {j.max_iterations}, {j.trials} trials
                    </dd>
                  </div>
                  {j.reason !== null && (
                    <div>
                      <dt>Reason</dt>
                      <dd>{j.reason}</dd>
                    </div>
                  )}
                  <div>
                    <dt>Updated</dt>
                    <dd>{formatTime(j.updated_at)}</dd>
                  </div>
                </dl>
                <JobControls job={j} onDone={bump} />
              </Section>
              <Section title="Score per iteration">
                <ScoreChart job={j} />
              </Section>
              <Section title={j.proposal !== null ? 'Proposal awaiting approval' : 'Last proposal'} wide>
                {shown === null || shownOf === undefined ? (
                  <p class="muted">No proposal yet.</p>
                ) : (
                  <ProposalDiff proposal={shown} baseline={shownOf.baseline} examples={examples} />
                )}
              </Section>
              <Section title="Iterations" wide>
                {j.iterations.length === 0 ? (
                  <p class="muted">Measuring the base.</p>
                ) : (
                  <div class="cells-table-scroll">
                    <table class="cells-table">
                      <thead>
                        <tr>
                          <th scope="col">Iteration</th>
                          <th scope="col">Base</th>
                          <th scope="col">Train</th>
                          <th scope="col">Holdout</th>
                          <th scope="col">Trials</th>
                          <th scope="col">Proposal</th>
                          <th scope="col">Outcome</th>
                        </tr>
                      </thead>
                      <tbody>
                        {j.iterations.map((it) => (
                          <tr key={it.number} data-iteration={it.number}>
                            <td>{it.number}</td>
                            <td>{it.base_version}</td>
                            <td>{score(it.baseline.train)}</td>
                            <td>{score(it.baseline.holdout)}</td>
                            <td>{it.trials.length}</td>
                            <td>
                              {it.proposal === null
                                ? '—'
                                : `${it.proposal.version}: ${score(it.proposal.train)} / ${score(it.proposal.holdout)}`}
                            </td>
                            <td>
                              <Badge state={it.outcome} />
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </Section>
            </div>
          );
        }}
      </AsyncView>
    </>
  );
}
