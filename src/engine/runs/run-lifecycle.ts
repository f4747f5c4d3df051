import { fail, ok, type Result } from '../../domain/errors.js';
import {
  COMPLETION_TYPE,
  EVALUATED_GATES,
  completionPayload,
  decideAdvance,
  evaluateGate,
} from '../../domain/runs/progress.js';
import { personBlockers } from '../../domain/runs/attention.js';
import { isTerminal, type GateRecord, type RunStatus } from '../../domain/runs/run-model.js';
import { addArtifact } from './run-authoring.js';
import type { RunDraft } from './run-draft.js';

export type AdvanceOutcome =
  | { readonly advanced: true; readonly from: RunStatus; readonly status: RunStatus }
  | {
      readonly advanced: false;
      readonly status: RunStatus;
      /** What only a person can resolve. */
      readonly blockers: string[];
      /** The preconditions the next step waits for. */
      readonly waitingOn: string[];
      readonly nextActions: string[];
    };

/** One step of the state machine when its precondition holds; otherwise nothing changes. */
export function advance(d: RunDraft): Result<AdvanceOutcome> {
  const decision = decideAdvance(d.agg);
  if (!decision.advanced) {
    return ok({
      advanced: false,
      status: d.run.status,
      blockers: personBlockers(d.agg),
      waitingOn: decision.blockers,
      nextActions: decision.nextActions,
    });
  }
  if (decision.writeCompletion) {
    const done = addArtifact(
      d,
      { artifactType: COMPLETION_TYPE, payload: completionPayload(d.agg), producerType: 'kernel' },
      'kernel',
    );
    if (!done.ok) return done;
  }
  d.setStatus(decision.to, `preconditions for ${decision.to} hold`);
  return ok({ advanced: true, from: decision.from, status: decision.to });
}

/** The supervisor: advance while preconditions allow (bounded: the machine has four forward steps). */
export function superviseSteps(d: RunDraft): Result<{ actions: string[] }> {
  const actions: string[] = [];
  for (let i = 0; i < 8 && !isTerminal(d.run.status); i += 1) {
    const step = advance(d);
    if (!step.ok) return step;
    if (!step.value.advanced) break;
    actions.push(`advanced ${step.value.from} → ${step.value.status}`);
  }
  return ok({ actions });
}

export function cancel(d: RunDraft, reason: string | null): Result<null> {
  if (isTerminal(d.run.status)) {
    return fail(
      'invalid_transition',
      `run ${d.run.id} is ${d.run.status}; only a run that has not finished can be cancelled`,
    );
  }
  d.setStatus('cancelled', reason ?? 'cancelled', { cancelReason: reason });
  return ok(null);
}

/** Evaluates a gate the kernel knows and stores the verdict. */
export function checkGate(d: RunDraft, gate: string): Result<GateRecord> {
  if (!(EVALUATED_GATES as readonly string[]).includes(gate)) {
    return fail(
      'invalid_request',
      `the kernel evaluates ${EVALUATED_GATES.join(' and ')}; supply a verdict for ${gate} with POST /gates`,
    );
  }
  const e = evaluateGate(gate as (typeof EVALUATED_GATES)[number], d.agg);
  return ok(
    recordGate(d, { gate, verdict: e.verdict, reasons: e.reasons, evidence: e.evidence }, 'evaluated'),
  );
}

export function recordGate(
  d: RunDraft,
  input: { gate: string; verdict: string; reasons?: string[]; evidence?: string[] },
  source: GateRecord['source'],
): GateRecord {
  const g: GateRecord = {
    id: d.newId('gate'),
    runId: d.run.id,
    gate: input.gate,
    verdict: input.verdict,
    reasons: input.reasons ?? [],
    evidence: input.evidence ?? [],
    source,
    createdAt: d.now,
    createdBy: d.actor,
  };
  d.addGate(g);
  d.event('gate.recorded', {
    targetKind: 'gate',
    targetId: g.id,
    context: { gate: g.gate, verdict: g.verdict, source },
  });
  return g;
}

/**
 * Stores a verification report. A failed verification of a run that is verifying writes a failure
 * report and sends the run back to implementing.
 */
export function recordVerification(
  d: RunDraft,
  report: { success: boolean } & Record<string, unknown>,
  inputIds: string[],
): Result<{ reportId: string; status: RunStatus }> {
  const stored = addArtifact(
    d,
    {
      artifactType: 'verification_report',
      payload: report,
      producerType: 'kernel',
      inputArtifactIds: inputIds,
    },
    'kernel',
  );
  if (!stored.ok) return stored;
  d.event('verification.completed', {
    targetKind: 'verification',
    targetId: stored.value.id,
    // The audit trail keeps how the commands were confined, next to who ran them and the outcome.
    context: {
      success: report.success,
      ...(typeof report.sandbox === 'string' ? { sandbox: report.sandbox } : {}),
    },
  });
  if (!report.success && d.run.status === 'verifying') {
    const failed =
      (report.commands as
        { program: string; args: string[]; exit_code: number | null; timed_out: boolean }[] | undefined) ??
      [];
    const failure = addArtifact(
      d,
      {
        artifactType: 'failure_report',
        payload: {
          verification_artifact_id: stored.value.id,
          failed_commands: failed
            .filter((c) => c.exit_code !== 0 || c.timed_out)
            .map((c) => ({
              command: [c.program, ...c.args].join(' '),
              exit_code: c.exit_code,
              timed_out: c.timed_out,
            })),
        },
        producerType: 'kernel',
        inputArtifactIds: [stored.value.id],
      },
      'kernel',
    );
    if (!failure.ok) return failure;
    d.setStatus('implementing', 'verification failed');
  }
  return ok({ reportId: stored.value.id, status: d.run.status });
}
