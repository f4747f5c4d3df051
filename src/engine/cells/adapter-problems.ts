import { cellTypeOf, type CellTemplate } from '../../domain/cells/cell-template.js';
import type { CellRiskCode } from '../../domain/risks.js';
import { operationFor } from '../../runtime/adapter/registry.js';

/** A reason an adapter template cannot run, with the risk code a dry run reports it under. */
export interface AdapterProblem {
  readonly code: Extract<CellRiskCode, 'unknown_operation' | 'invalid_config'>;
  readonly message: string;
}

/** Problems an adapter template has for its operation: unknown operation, bad configuration. */
export function adapterProblems(t: CellTemplate): AdapterProblem[] {
  const op = operationFor(cellTypeOf(t));
  if (op === undefined) {
    const field = t.analysis_type === undefined ? 'action_type' : 'analysis_type';
    return [
      {
        code: 'unknown_operation',
        message: `$.${field}: the adapter backend has no operation "${cellTypeOf(t)}"`,
      },
    ];
  }
  return op
    .validateConfig({
      metadata: t.metadata,
      links: t.links,
      ...(t.confidence_threshold === undefined ? {} : { confidenceThreshold: t.confidence_threshold }),
    })
    .map((message) => ({ code: 'invalid_config', message }));
}
