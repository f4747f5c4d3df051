export const CAPABILITY_LEVELS = ['locked', 'experimental', 'stable'] as const;
export type CapabilityLevel = (typeof CAPABILITY_LEVELS)[number];

export const isCapabilityLevel = (v: unknown): v is CapabilityLevel =>
  typeof v === 'string' && (CAPABILITY_LEVELS as readonly string[]).includes(v);

/** The capabilities fabrica knows, with the level each starts at and what it gates. */
export const CAPABILITIES = {
  factory_adapter: { level: 'experimental', gates: 'Fabricating adapter (no-code) cells.' },
  factory_script: { level: 'locked', gates: 'Fabricating sandboxed script cells.' },
  factory_wasm: { level: 'locked', gates: 'Fabricating WebAssembly cells.' },
  organs_builder: { level: 'experimental', gates: 'Building organs from templates.' },
  self_edit: { level: 'locked', gates: 'Modifying fabrica’s own modules.' },
  factory_verify: { level: 'locked', gates: 'Running host verification commands for factory runs.' },
  fault_injection: {
    level: 'locked',
    gates: 'Cells that inject faults (`metadata.fault`) for rollback drills.',
  },
} as const satisfies Record<string, { level: CapabilityLevel; gates: string }>;

export type CapabilityName = keyof typeof CAPABILITIES;
export const CAPABILITY_NAMES = Object.keys(CAPABILITIES) as CapabilityName[];

export const isCapabilityName = (v: unknown): v is CapabilityName =>
  typeof v === 'string' && Object.hasOwn(CAPABILITIES, v);

export const isEnabled = (level: CapabilityLevel): boolean => level !== 'locked';

export interface CapabilityRecord {
  readonly name: CapabilityName;
  readonly level: CapabilityLevel;
  readonly reason: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly version: number;
}

export interface SafeModeState {
  readonly on: boolean;
  readonly reason: string;
  readonly since: string | null;
  readonly by: string | null;
  readonly version: number;
}

export const SAFE_MODE_OFF: SafeModeState = { on: false, reason: '', since: null, by: null, version: 0 };
