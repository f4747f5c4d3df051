/**
 * The risks a dry run reports, each with what it means. `docs/cells.md` and `docs/organs.md` list them in
 * tables that a test keeps in step with these lists, in both directions.
 */
export const RISK_SEVERITIES = ['blocking', 'warning', 'info'] as const;
export type RiskSeverity = (typeof RISK_SEVERITIES)[number];

export const CELL_RISK_CODES = {
  missing_link: 'A link names no registered cell.',
  link_not_stable: 'A linked cell has no stable revision yet.',
  dependency_cycle: "The links lead back to this template through the registered cells' newest templates.",
  backend_locked: "The backend's capability is locked.",
  backend_unavailable: 'The backend has no runtime in this process.',
  unknown_operation: 'The adapter backend has no operation for the analysis or action type.',
  invalid_config:
    "The adapter operation refuses the template's configuration (metadata, links, threshold), or `metadata.limits` is malformed.",
  version_not_greater: 'The version is not greater than the current stable revision.',
  duplicate_version:
    'This id and version are registered already (blocking with other content, information with the same).',
  script_missing_source: 'A script cell has no JavaScript in `draft_content`.',
  script_syntax_error: 'The script does not parse (or its top level throws); the message names the line.',
  script_missing_run: 'The script defines no `function run(input, ctx)`.',
  wasm_missing_module: 'A WASM cell has no module in `metadata.module` (base64).',
  wasm_invalid_module:
    'The module is not valid WebAssembly, or its memory cannot be capped (shared, 64-bit, or starting above the cap).',
  wasm_missing_start: 'The module exports no `_start` function or no `memory` (WASI needs both).',
  wasm_unsupported_import:
    'The module imports something the host does not provide (only WASI preview 1 functions are).',
  catalog_file_missing:
    'A file the template names (`metadata.source_file`, `metadata.module_file`) is not a regular file of the catalog directory.',
  catalog_file_outside:
    'The file path leaves the catalog directory: `..`, an absolute path, or a symbolic link that leads out of it.',
  catalog_file_too_large: 'The file is larger than its backend takes (a script 1 MiB, a module 16 MiB).',
  catalog_file_changed:
    'The file differs from the SHA-256 the template pins (`metadata.source_sha256`, `metadata.module_sha256`).',
  limit_above_maximum: 'A limit in `metadata.limits` is above the maximum the configuration allows.',
  fault_injection_locked:
    'The template carries `metadata.fault` while the capability `fault_injection` is locked: creation is refused.',
  invalid_fault: '`metadata.fault` is not `{error_rate: 0…1, delay_ms: 0…60000}`.',
} as const;
export type CellRiskCode = keyof typeof CELL_RISK_CODES;

export const ORGAN_RISK_CODES = {
  missing_cell: 'A cell the organ names is not registered: the build is refused.',
  cell_not_serving:
    'A cell exists but serves no traffic yet: the build fails at its first stage unless it does by then.',
  no_pathway: 'The organ has no pathway: invoke runs the cells in their listed order.',
} as const;
export type OrganRiskCode = keyof typeof ORGAN_RISK_CODES;

export interface Risk<C extends string = CellRiskCode | OrganRiskCode> {
  readonly code: C;
  readonly severity: RiskSeverity;
  readonly message: string;
}

export const isBlocking = (risks: readonly Risk<string>[]): boolean =>
  risks.some((r) => r.severity === 'blocking');
