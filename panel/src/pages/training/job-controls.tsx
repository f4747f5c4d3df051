import { useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { ConfirmButton, ErrorNotice } from '../../components';
import { useSignedIn } from '../../context';
import { FINAL_STATES, jobApi, type Job } from './training-types';

/**
 * Approve or reject the proposal awaiting approval, or stop the job. The server refuses what does not
 * fit the job's state (409) and the page shows its reason; the event stream brings the new state, and
 * `onDone` reads the job again at once.
 */
export function JobControls({ job, onDone }: { job: Job; onDone: () => void }) {
  const { api } = useSignedIn();
  const [error, setError] = useState<ApiError | null>(null);
  const act = async (command: 'approve' | 'reject' | 'stop') => {
    setError(null);
    try {
      await api.post(jobApi(job.id, `/${command}`));
    } catch (e) {
      setError(toApiError(e));
    }
    onDone();
  };
  const waiting = job.state === 'awaiting_approval' && job.proposal !== null;
  if (FINAL_STATES.includes(job.state))
    return <p class="muted small">The job has ended: nothing to decide.</p>;
  return (
    <>
      <div class="button-row">
        {waiting && (
          <ConfirmButton
            label="Approve"
            confirmLabel={`Yes, build on ${job.proposal?.version ?? ''}`}
            onConfirm={() => act('approve')}
          />
        )}
        {waiting && (
          <ConfirmButton
            label="Reject"
            confirmLabel={`Yes, roll back ${job.proposal?.version ?? ''}`}
            danger
            onConfirm={() => act('reject')}
          />
        )}
        <ConfirmButton label="Stop" confirmLabel="Yes, stop the job" danger onConfirm={() => act('stop')} />
      </div>
      {!waiting && <p class="muted small">No proposal is waiting: the job is searching.</p>}
      {error !== null && <ErrorNotice error={error} />}
    </>
  );
}
