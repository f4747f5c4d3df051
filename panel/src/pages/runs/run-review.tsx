import { AsyncView, Badge, Empty, Section } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import type { ReviewBundle } from './run-types';

/** The bundle's lists, in the order a reviewer reads them. */
const PARTS: readonly (readonly [keyof ReviewBundle, string, string])[] = [
  ['blockers', 'Blockers', 'None.'],
  ['next_actions', 'Next actions', 'None.'],
  ['diagnostics', 'Diagnostics', 'None.'],
  ['open_risks', 'Open risks', 'None.'],
  ['stage_summary', 'Stages', 'No stages.'],
  ['issue_summary', 'Issues', 'No issues.'],
  ['gate_summary', 'Gates', 'No gate verdicts.'],
  ['checkpoint_summary', 'Checkpoints', 'No checkpoints.'],
  ['evidence_summary', 'Evidence', 'No evidence.'],
  ['artifact_summary', 'Artifacts', 'No artifacts.'],
];

/** The latest review bundle (`GET …/review`), read again whenever the run changes. */
export function RunReview({ runId, changes }: { runId: string; changes: number }) {
  const { api } = useSignedIn();
  const review = useLoad(
    () => api.get<ReviewBundle>(`/llm/factory/runs/${encodeURIComponent(runId)}/review`),
    [api, runId, changes],
  );
  return (
    <Section title="Review" wide>
      <AsyncView state={review} what="the review bundle">
        {(b) => (
          <>
            <p class="small muted">
              Bundle <code>{b.id}</code> of a run that was <Badge state={b.run_status} />
            </p>
            <h3>Plan</h3>
            <p class="review-plan">{b.plan_summary}</p>
            <div class="review-parts">
              {PARTS.map(([key, title, none]) => {
                const items = b[key] as readonly string[];
                return (
                  <div key={key} class="review-part" data-review={key}>
                    <h3>
                      {title} <span class="muted small">({items.length})</span>
                    </h3>
                    {items.length === 0 ? (
                      <Empty>{none}</Empty>
                    ) : (
                      <ul class="plain-list small">
                        {items.map((x, i) => (
                          <li key={i}>{x}</li>
                        ))}
                      </ul>
                    )}
                  </div>
                );
              })}
            </div>
          </>
        )}
      </AsyncView>
    </Section>
  );
}
