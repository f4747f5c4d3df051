import type { Run } from '../../src/domain/runs/run-model.js';

/** A run row as a store keeps it, for tests that write runs without the run service. */
export const storedRun = (id: string, at: string): Run => ({
  id,
  tenant: 'acme',
  status: 'planning',
  title: null,
  workflowKind: null,
  subjectType: null,
  subjectId: null,
  source: { kind: 'prompt', format: 'markdown', content: `run ${id}` },
  autoAdvance: false,
  cancelReason: null,
  createdAt: at,
  updatedAt: at,
  createdBy: 'me',
  version: 1,
});
