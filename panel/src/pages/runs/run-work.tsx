import { AsyncView, Badge, Section } from '../../components';
import { toneOf } from '../../components/badge';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import type { IssueView, RunAssignmentView, StageView } from './run-types';
import { stageColumns } from './stage-columns';

/** The API's largest page; a run with more stages or issues says that only the first are shown. */
const LIMIT = 1000;

interface Work {
  readonly stages: readonly StageView[];
  readonly issues: readonly IssueView[];
  readonly assignments: readonly RunAssignmentView[];
  /** Room names by id, for the rooms this token may see. */
  readonly rooms: ReadonlyMap<string, string>;
}

/** Where a running issue is being worked: its room and which attempt this is (one per dispatch). */
function placement(issue: IssueView, w: Work): string | null {
  if (issue.status !== 'running') return null;
  const tries = w.assignments.filter((a) => a.issue_id === issue.id);
  const open = tries.filter((a) => a.state === 'queued' || a.state === 'leased').at(-1);
  const roomId = open?.room_id ?? issue.assigned_room_id;
  const parts = [
    roomId === null ? null : `room ${w.rooms.get(roomId) ?? roomId}`,
    tries.length === 0 ? null : `attempt ${tries.length}`,
    open === undefined ? null : open.state === 'leased' ? 'claimed by a worker' : 'waiting for a worker',
  ].filter((p) => p !== null);
  return parts.length === 0 ? null : parts.join(' · ');
}

function IssueCard({ issue, w }: { issue: IssueView; w: Work }) {
  const where = placement(issue, w);
  return (
    <li class={`dag-issue tone-${toneOf(issue.status)}`} data-issue={issue.stable_key ?? issue.id}>
      <Badge state={issue.status} /> <strong>{issue.stable_key ?? issue.id}</strong> {issue.title}{' '}
      <span class="muted small">({issue.kind})</span>
      {where !== null && <span class="small dag-where">{where}</span>}
      {issue.summary !== null && <span class="small"> — {issue.summary}</span>}
    </li>
  );
}

/**
 * The stage graph as a DAG: stages in columns by dependency (left to right), each with its issues,
 * coloured by status, with the room and attempt of each running issue. Read again whenever the run's
 * live stream reports a change. Records a later stage graph superseded are left out.
 */
export function RunWork({ runId, changes }: { runId: string; changes: number }) {
  const { api } = useSignedIn();
  const work = useLoad(async (): Promise<Work> => {
    const path = `/llm/factory/runs/${encodeURIComponent(runId)}`;
    const [stages, issues, assignments, rooms] = await Promise.all([
      api.get<StageView[]>(`${path}/stages`, { limit: LIMIT }),
      api.get<IssueView[]>(`${path}/issues`, { limit: LIMIT }),
      api.get<RunAssignmentView[]>(`${path}/assignments`),
      // Names only: a token that may not list rooms still sees the graph, with room ids.
      api.get<{ id: string; name: string }[]>('/llm/rooms', { limit: LIMIT }).catch(() => []),
    ]);
    return { stages, issues, assignments, rooms: new Map(rooms.map((r) => [r.id, r.name])) };
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
          const nameOf = (id: string) => {
            const s = stages.find((x) => x.id === id);
            return s === undefined ? id : (s.stable_key ?? s.stage_name);
          };
          return (
            <>
              <div class="dag" role="list" aria-label="Stage graph, in dependency order">
                {stageColumns(stages).map((column, i) => (
                  <div key={i} class="dag-column" role="listitem" aria-label={`Step ${i + 1}`}>
                    {column.map((s) => (
                      <section
                        key={s.id}
                        class={`dag-stage tone-${toneOf(s.status)}`}
                        data-stage={s.stable_key ?? s.id}
                        data-column={i}
                        aria-label={`Stage ${s.stable_key ?? s.stage_name}`}
                      >
                        <p class="dag-stage-head">
                          <Badge state={s.status} /> <strong>{s.stable_key ?? s.id}</strong> {s.stage_name}
                        </p>
                        {s.depends_on.length > 0 && (
                          <p class="small muted dag-after">after {s.depends_on.map(nameOf).join(', ')}</p>
                        )}
                        {s.summary !== null && <p class="small">{s.summary}</p>}
                        <ul class="plain-list">
                          {issues
                            .filter((x) => x.stage_id === s.id)
                            .map((x) => (
                              <IssueCard key={x.id} issue={x} w={w} />
                            ))}
                        </ul>
                      </section>
                    ))}
                  </div>
                ))}
              </div>
              {loose.length > 0 && (
                <>
                  <h3>Issues without a stage</h3>
                  <ul class="plain-list">
                    {loose.map((x) => (
                      <IssueCard key={x.id} issue={x} w={w} />
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
