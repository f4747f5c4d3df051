import { AsyncView, Badge, Section } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import type { IssueView, StageView } from './run-types';

/** The API's largest page; a run with more stages or issues says that only the first are shown. */
const LIMIT = 1000;

interface Work {
  readonly stages: readonly StageView[];
  readonly issues: readonly IssueView[];
}

function IssueItem({ issue }: { issue: IssueView }) {
  return (
    <li class="work-issue">
      <Badge state={issue.status} /> <strong>{issue.stable_key ?? issue.id}</strong> {issue.title}{' '}
      <span class="muted small">({issue.kind})</span>
      {issue.summary !== null && <span class="small"> — {issue.summary}</span>}
    </li>
  );
}

/** Stages in order, each with its issues; records a later stage graph superseded are left out. */
export function RunWork({ runId, changes }: { runId: string; changes: number }) {
  const { api } = useSignedIn();
  const work = useLoad(async (): Promise<Work> => {
    const path = `/llm/factory/runs/${encodeURIComponent(runId)}`;
    const [stages, issues] = await Promise.all([
      api.get<StageView[]>(`${path}/stages`, { limit: LIMIT }),
      api.get<IssueView[]>(`${path}/issues`, { limit: LIMIT }),
    ]);
    return { stages, issues };
  }, [api, runId, changes]);

  return (
    <Section title="Stages and issues" wide>
      <AsyncView
        state={work}
        what="stages and issues"
        isEmpty={(w) => w.stages.length === 0 && w.issues.length === 0}
        empty="No stages or issues yet: a stage graph artifact creates them."
      >
        {(w) => {
          const stages = w.stages.filter((s) => s.superseded_by_artifact_id === null);
          const issues = w.issues.filter((i) => i.superseded_by_artifact_id === null);
          const loose = issues.filter((i) => i.stage_id === null || !stages.some((s) => s.id === i.stage_id));
          const superseded = w.stages.length - stages.length + (w.issues.length - issues.length);
          return (
            <>
              <ol class="work-stages">
                {stages.map((s) => (
                  <li key={s.id} class="work-stage">
                    <p>
                      <Badge state={s.status} /> <strong>{s.stable_key ?? s.id}</strong> {s.stage_name}
                      {s.summary !== null && <span class="small"> — {s.summary}</span>}
                    </p>
                    <ul class="plain-list">
                      {issues
                        .filter((i) => i.stage_id === s.id)
                        .map((i) => (
                          <IssueItem key={i.id} issue={i} />
                        ))}
                    </ul>
                  </li>
                ))}
              </ol>
              {loose.length > 0 && (
                <>
                  <h3>Issues without a stage</h3>
                  <ul class="plain-list">
                    {loose.map((i) => (
                      <IssueItem key={i.id} issue={i} />
                    ))}
                  </ul>
                </>
              )}
              {superseded > 0 && (
                <p class="small muted">
                  {superseded} records superseded by a later stage graph are not shown.
                </p>
              )}
              {(w.stages.length === LIMIT || w.issues.length === LIMIT) && (
                <p class="small muted">Only the first {LIMIT} stages and issues are shown.</p>
              )}
            </>
          );
        }}
      </AsyncView>
    </Section>
  );
}
