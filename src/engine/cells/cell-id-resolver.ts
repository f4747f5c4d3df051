import type { Cell } from '../../domain/cells/cell-model.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { OrganTemplate } from '../../domain/organs/organ-template.js';
import type { CellsReads } from './cell-ports.js';

/**
 * The one rule for cell ids as clients send them. A cell's id is `<backend>:<template id>`; Neira's
 * shim sends the template id alone (`analysis.text_to_phonemes.v1`). A bare id names the one cell
 * fabricated from that template, whatever its backend; when cells of several backends share it, the
 * id is ambiguous and the caller must pick one of their full ids. A bare id no cell has is left as
 * it came, so the answer that follows (404, "cells not found") names what the caller sent.
 */
export function decideCellId(ref: string, sameTemplate: readonly Pick<Cell, 'id'>[]): Result<string> {
  if (ref.includes(':') || sameTemplate.length === 0) return ok(ref);
  if (sameTemplate.length === 1) return ok(sameTemplate[0]!.id);
  const ids = sameTemplate.map((c) => c.id).sort();
  return fail('ambiguous_id', `${ref} names ${ids.length} cells: use one of ${ids.join(', ')}`, {
    details: { ids },
  });
}

export async function resolveCellId(reads: Pick<CellsReads, 'cellsForTemplate'>, ref: string) {
  return decideCellId(ref, ref.includes(':') ? [] : await reads.cellsForTemplate(ref));
}

/** An organ template with every cell reference (its cells and its pathways') resolved by the same rule. */
export async function resolveOrganCells(
  reads: Pick<CellsReads, 'cellsForTemplate'>,
  t: OrganTemplate,
): Promise<Result<OrganTemplate>> {
  const refs = [...new Set([...t.cells, ...t.pathways.flatMap((p) => p.cells)])];
  const resolved = new Map<string, string>();
  for (const ref of refs) {
    const r = await resolveCellId(reads, ref);
    if (!r.ok) return r;
    resolved.set(ref, r.value);
  }
  const map = (xs: readonly string[]) => xs.map((x) => resolved.get(x) ?? x);
  return ok({ ...t, cells: map(t.cells), pathways: t.pathways.map((p) => ({ ...p, cells: map(p.cells) })) });
}
