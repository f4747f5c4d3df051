import { AsyncView, Badge, Empty, Section, formatNumber, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import type { ArtifactView, CommandResult, RunStatusView, VerificationReport } from './run-types';

/** The status names the latest report; its artifact holds the commands and their output. */
function useReport(runId: string, artifactId: string | null) {
  const { api } = useSignedIn();
  return useLoad(async () => {
    if (artifactId === null) return null;
    const all = await api.get<ArtifactView[]>(`/llm/factory/runs/${encodeURIComponent(runId)}/artifacts`, {
      limit: 1000,
    });
    return all.find((a) => a.id === artifactId) ?? null;
  }, [api, runId, artifactId]);
}

const commandLine = (c: CommandResult) => [c.program, ...c.args].join(' ');

function Command({ c }: { c: CommandResult }) {
  const failed = c.exit_code !== 0 || c.timed_out || c.error !== undefined;
  return (
    <li class="verify-command">
      <p>
        <Badge state={failed ? 'failed' : 'passed'} /> <code class="command-line">{commandLine(c)}</code>
      </p>
      <p class="small muted">
        in {c.cwd === '.' ? 'the workspace root' : c.cwd} · exit {c.exit_code ?? c.signal ?? '—'}
        {c.timed_out && ' · timed out'} · {formatNumber(c.duration_ms)} ms
      </p>
      {c.error !== undefined && <p class="small">{c.error}</p>}
      {c.stdout_tail !== '' && (
        <>
          <p class="small muted">stdout (tail)</p>
          <pre class="output">{c.stdout_tail}</pre>
        </>
      )}
      {c.stderr_tail !== '' && (
        <>
          <p class="small muted">stderr (tail)</p>
          <pre class="output">{c.stderr_tail}</pre>
        </>
      )}
    </li>
  );
}

/** The latest verification report: its result, and each command with the tail of its output. */
export function RunVerification({ runId, status }: { runId: string; status: RunStatusView }) {
  const id = status.latest_verification_artifact_id;
  const report = useReport(runId, id);
  return (
    <Section title="Latest verification" aside={<Badge state={status.latest_verification} />}>
      {id === null ? (
        <Empty>Not verified yet.</Empty>
      ) : (
        <AsyncView state={report} what="the verification report">
          {(a) => {
            if (a === null) return <Empty>Report {id} is not among the run's artifacts.</Empty>;
            const r = a.payload as VerificationReport;
            return (
              <>
                <p class="small muted">
                  <code>{a.id}</code> · {formatTime(r.finished_at ?? a.created_at)}
                  {r.source !== undefined && ` · commands from the ${r.source}`}
                </p>
                {r.commands === undefined || r.commands.length === 0 ? (
                  <p>Reported {r.success ? 'passed' : 'failed'}, without commands.</p>
                ) : (
                  <ul class="plain-list">
                    {r.commands.map((c, i) => (
                      <Command key={i} c={c} />
                    ))}
                  </ul>
                )}
              </>
            );
          }}
        </AsyncView>
      )}
    </Section>
  );
}
