import type { CapabilityLevel, CapabilityName } from '../capabilities.js';
import type { CellTemplate } from '../cells/cell-template.js';
import type { OrganTemplate } from '../organs/organ-template.js';

/** One cell as the planner sees it: its newest template and its revisions. */
export interface RegistryCell {
  readonly id: string;
  readonly backend: string;
  readonly template: CellTemplate;
  /** The template of its stable revision, the base of a diff (the newest when none is stable). */
  readonly stableTemplate: CellTemplate;
  readonly revisions: readonly { readonly version: string; readonly state: string }[];
}

export interface RegistryOrgan {
  readonly id: string;
  readonly state: string;
  readonly template: OrganTemplate;
}

/** What the planner reads: a snapshot of the registry, the gates and safe mode. */
export interface Registry {
  readonly cells: readonly RegistryCell[];
  readonly organs: readonly RegistryOrgan[];
  readonly capabilities: Readonly<Record<CapabilityName, CapabilityLevel>>;
  readonly safeMode: boolean;
}

/** Who asks: the checks say whether this principal may run what is planned. */
export interface Asker {
  readonly admin: boolean;
}
