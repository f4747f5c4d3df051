import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { CellTemplate } from '../domain/cells/cell-template.js';

/**
 * The template fields that name a file of the catalog directory (docs/cells.md, "Code from the
 * catalog"), and the field that pins the file's SHA-256.
 */
export const FILE_PINS = { source_file: 'source_sha256', module_file: 'module_sha256' } as const;
export type FileField = keyof typeof FILE_PINS;

/** The largest file each field takes: a script's source as `draft_content` does, a module as generous. */
export const MAX_FILE_BYTES: Readonly<Record<FileField, number>> = {
  source_file: 1024 * 1024,
  module_file: 16 * 1024 * 1024,
};

export type FileProblemCode =
  | 'catalog_file_missing'
  | 'catalog_file_outside'
  | 'catalog_file_too_large'
  | 'catalog_file_changed'
  | 'invalid_config';

export interface FileProblem {
  readonly code: FileProblemCode;
  readonly message: string;
}

/** A pinned file that no longer is what was pinned: the call is refused and the cell quarantined. */
export interface FileViolation {
  readonly field: FileField;
  readonly path: string;
  readonly pinnedSha256: string;
  /** The file's hash now, or null when it cannot be read as a file of the catalog any more. */
  readonly fileSha256: string | null;
  readonly reason: string;
}

export type FileLoad =
  | { readonly ok: true; readonly bytes: Buffer; readonly sha256: string }
  | { readonly ok: false; readonly problem: FileProblem; readonly violation: FileViolation | null };

const SHA256 = /^[0-9a-f]{64}$/;
// ELOOP: a link where none may be (see `open` below) or a loop of links.
const isMissing = (e: unknown): boolean =>
  ['ENOENT', 'ENOTDIR', 'ELOOP'].includes((e as NodeJS.ErrnoException | null)?.code ?? '');
const inside = (base: string, p: string): boolean => p.startsWith(base.endsWith(sep) ? base : base + sep);

/**
 * Files a template names, read from the catalog directory only: the relative path must stay inside it,
 * symbolic links included (both sides resolved), and name a regular file no larger than its field takes.
 */
export class CatalogFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async read(
    rel: unknown,
    field: FileField,
  ): Promise<{ ok: true; bytes: Buffer; sha256: string } | { ok: false; problem: FileProblem }> {
    const no = (code: FileProblemCode, message: string) => ({
      ok: false as const,
      problem: { code, message },
    });
    if (typeof rel !== 'string' || rel.trim() === '')
      return no('invalid_config', `$.metadata.${field}: a path relative to the catalog directory`);
    const where = `$.metadata.${field} (${JSON.stringify(rel)})`;
    if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.includes('\0'))
      return no('catalog_file_outside', `${where}: an absolute path; name a file of the catalog directory`);
    if (rel.split(/[\\/]/).includes('..'))
      return no('catalog_file_outside', `${where}: ".." leaves the catalog directory`);
    let base: string;
    try {
      base = await realpath(this.dir);
    } catch (e) {
      if (isMissing(e)) return no('catalog_file_missing', `${where}: the catalog directory does not exist`);
      throw e;
    }
    let real: string;
    try {
      real = await realpath(resolve(base, rel));
    } catch (e) {
      if (isMissing(e)) return no('catalog_file_missing', `${where}: no such file in the catalog directory`);
      throw e;
    }
    if (!inside(base, real))
      return no('catalog_file_outside', `${where}: a symbolic link that leads out of the catalog directory`);
    let handle;
    try {
      // Not following a link: one swapped in since the path was resolved is refused, not read.
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      if (isMissing(e)) return no('catalog_file_missing', `${where}: no such file in the catalog directory`);
      throw e;
    }
    try {
      const s = await handle.stat();
      if (!s.isFile()) return no('catalog_file_missing', `${where}: not a regular file`);
      if (s.size > MAX_FILE_BYTES[field])
        return no(
          'catalog_file_too_large',
          `${where}: ${s.size} bytes, more than the ${MAX_FILE_BYTES[field]} a ${field} takes`,
        );
      const bytes = await handle.readFile();
      if (bytes.length > MAX_FILE_BYTES[field])
        return no('catalog_file_too_large', `${where}: grew past ${MAX_FILE_BYTES[field]} bytes`);
      return { ok: true, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    } finally {
      await handle.close();
    }
  }

  /**
   * The template with the SHA-256 of each file it names pinned (`metadata.source_sha256`,
   * `metadata.module_sha256`), as registration stores it: the template's own hash then covers the files.
   * A pin the template carries already must match the file.
   */
  async pin(t: CellTemplate): Promise<{ template: CellTemplate; problems: FileProblem[] }> {
    const problems: FileProblem[] = [];
    let metadata = t.metadata;
    for (const field of Object.keys(FILE_PINS) as FileField[]) {
      if (t.metadata[field] === undefined) continue;
      const r = await this.read(t.metadata[field], field);
      if (!r.ok) {
        problems.push(r.problem);
        continue;
      }
      const pinned = t.metadata[FILE_PINS[field]];
      if (pinned !== undefined && pinned !== r.sha256) {
        problems.push({
          code: typeof pinned === 'string' && SHA256.test(pinned) ? 'catalog_file_changed' : 'invalid_config',
          message: `$.metadata.${FILE_PINS[field]}: ${JSON.stringify(pinned)}, but ${JSON.stringify(t.metadata[field])} has SHA-256 ${r.sha256}`,
        });
        continue;
      }
      metadata = { ...metadata, [FILE_PINS[field]]: r.sha256 };
    }
    return { template: metadata === t.metadata ? t : { ...t, metadata }, problems };
  }

  /**
   * A pinned file's bytes, checked against the pin: anything but the pinned content (changed, gone,
   * replaced by a link out of the directory, grown past the cap) is a violation.
   */
  async load(t: CellTemplate, field: FileField): Promise<FileLoad> {
    const rel = t.metadata[field];
    const pinned = t.metadata[FILE_PINS[field]];
    if (typeof pinned !== 'string' || !SHA256.test(pinned)) {
      const r = await this.read(rel, field);
      return {
        ok: false,
        problem: r.ok
          ? {
              code: 'invalid_config',
              message: `$.metadata.${FILE_PINS[field]}: no SHA-256 pinned for the file`,
            }
          : r.problem,
        violation: null,
      };
    }
    const r = await this.read(rel, field);
    if (r.ok && r.sha256 === pinned) return r;
    const path = String(rel);
    const found = r.ok ? r.sha256 : null;
    const why = r.ok ? `has SHA-256 ${r.sha256}, not the pinned ${pinned}` : r.problem.message;
    const reason = `integrity violation: catalog file ${path} (${field}) ${why}`;
    return {
      ok: false,
      problem: { code: r.ok ? 'catalog_file_changed' : r.problem.code, message: reason },
      violation: { field, path, pinnedSha256: pinned, fileSha256: found, reason },
    };
  }
}
