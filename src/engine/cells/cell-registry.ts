import { fail, ok, type Result } from '../../domain/errors.js';
import {
  cellTypeOf,
  templateHash,
  validateCellTemplate,
  type CellTemplate,
} from '../../domain/cells/cell-template.js';
import type { StoredTemplate } from '../../domain/cells/cell-model.js';
import type { Tx } from '../ports.js';

export interface RegisterOptions {
  readonly source: StoredTemplate['source'];
  readonly sourcePath: string | null;
  readonly actor: string;
  readonly now: string;
}

/**
 * Registers a template version inside a transaction: the same id+version with the same content is a
 * no-op, with other content `version_exists`.
 */
export async function registerTemplateIn(
  tx: Tx,
  template: CellTemplate,
  opts: RegisterOptions,
): Promise<Result<{ template: StoredTemplate; created: boolean }>> {
  const sha256 = templateHash(template);
  const existing = await tx.cells.template(template.id, template.version);
  if (existing !== null) {
    if (existing.sha256 === sha256) return ok({ template: existing, created: false });
    return fail(
      'version_exists',
      `template ${template.id}@${template.version} is registered with different content`,
      {
        details: { registered_sha256: existing.sha256, sha256 },
      },
    );
  }
  const stored: StoredTemplate = {
    templateId: template.id,
    version: template.version,
    cellType: cellTypeOf(template),
    template,
    sha256,
    source: opts.source,
    sourcePath: opts.sourcePath,
    createdAt: opts.now,
    createdBy: opts.actor,
  };
  if (!(await tx.cells.insertTemplate(stored))) {
    const raced = await tx.cells.template(template.id, template.version);
    if (raced?.sha256 === sha256) return ok({ template: raced, created: false });
    return fail(
      'version_exists',
      `template ${template.id}@${template.version} is registered with different content`,
    );
  }
  await tx.appendEvent({
    type: 'cell_template.registered',
    subjectKind: 'cell_template',
    subjectId: `${template.id}@${template.version}`,
    actor: opts.actor,
    data: {
      action: 'cell_template.register',
      after: { id: template.id, version: template.version, sha256, source: opts.source },
    },
  });
  return ok({ template: stored, created: true });
}

export const parseTemplate = (raw: unknown): Result<CellTemplate> => validateCellTemplate(raw);
