import type { Backend, CellTemplate } from './cell-template.js';
import type { LifecycleCommand, RevisionState } from './cell-lifecycle.js';

export interface StoredTemplate {
  readonly templateId: string;
  readonly version: string;
  readonly cellType: string;
  readonly template: CellTemplate;
  readonly sha256: string;
  /** `api` (POST /cells or a fabrication) or `catalog` (a file in the catalog directory). */
  readonly source: 'api' | 'catalog';
  readonly sourcePath: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface Cell {
  readonly id: string;
  readonly backend: Backend;
  readonly templateId: string;
  readonly hitl: boolean;
  /** Set after an integrity violation: the cell serves nothing until healed. */
  readonly quarantine: { readonly reason: string; readonly at: string } | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly version: number;
}

export interface Transition {
  readonly from: RevisionState | null;
  readonly to: RevisionState;
  readonly command:
    LifecycleCommand | 'create' | 'heal_succeeded' | 'heal_failed' | 'superseded' | 'restored';
  readonly actor: string;
  readonly at: string;
  readonly reason?: string;
}

export interface Revision {
  readonly id: string;
  readonly cellId: string;
  readonly templateVersion: string;
  readonly state: RevisionState;
  /** The state a healing revision returns to when the heal succeeds. */
  readonly priorState: RevisionState | null;
  readonly history: readonly Transition[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CellAggregate {
  readonly cell: Cell;
  /** Oldest first. */
  readonly revisions: readonly Revision[];
}

export const cellIdOf = (backend: Backend, templateId: string): string => `${backend}:${templateId}`;
export const revisionIdOf = (cellId: string, version: string): string => `${cellId}@${version}`;
