import { readFile } from 'node:fs/promises';
import { templateHash, validateCellTemplate } from '../domain/cells/cell-template.js';
import type { StoredTemplate } from '../domain/cells/cell-model.js';
import type { CatalogFiles } from './cell-files.js';

/**
 * For a template registered from the catalog directory: does its file still hold what was registered?
 * Returns the problem, or null when the file matches (or the template did not come from a file).
 */
export async function catalogFileProblem(
  stored: StoredTemplate,
  files?: CatalogFiles,
): Promise<string | null> {
  if (stored.source !== 'catalog' || stored.sourcePath === null) return null;
  let text: string;
  try {
    text = await readFile(stored.sourcePath, 'utf8');
  } catch {
    return `catalog file ${stored.sourcePath} is gone`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `catalog file ${stored.sourcePath} is not valid JSON`;
  }
  const t = validateCellTemplate(parsed);
  if (!t.ok) return `catalog file ${stored.sourcePath} is not a valid template`;
  if (t.value.id !== stored.templateId || t.value.version !== stored.version) return null;
  // Compared as registered: with the SHA-256 of the files it names pinned (a changed one shows here).
  const pinned = files === undefined ? { template: t.value, problems: [] } : await files.pin(t.value);
  if (pinned.problems.length > 0)
    return `catalog file ${stored.sourcePath}: ${pinned.problems.map((p) => p.message).join('; ')}`;
  return templateHash(pinned.template) === stored.sha256
    ? null
    : `catalog file ${stored.sourcePath} differs from the registered template`;
}
