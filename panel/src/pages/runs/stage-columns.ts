/**
 * The stage graph laid out as columns by dependency, as workflow UIs draw a DAG: a stage sits one column
 * right of the furthest stage it depends on, so every edge points rightwards. Dependencies on stages
 * that are not shown (superseded) are ignored; a cycle (refused by the server, but a page must not hang
 * on bad data) puts the stages caught in it in the first column.
 */
export interface GraphNode {
  readonly id: string;
  readonly depends_on: readonly string[];
}

export function stageColumns<T extends GraphNode>(stages: readonly T[]): T[][] {
  const byId = new Map(stages.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (s: T): number => {
    const known = depth.get(s.id);
    if (known !== undefined) return known;
    if (visiting.has(s.id)) return 0;
    visiting.add(s.id);
    let d = 0;
    for (const dep of s.depends_on) {
      const parent = byId.get(dep);
      if (parent !== undefined) d = Math.max(d, depthOf(parent) + 1);
    }
    visiting.delete(s.id);
    depth.set(s.id, d);
    return d;
  };
  const columns: T[][] = [];
  // Stages keep their order (the server's, by creation) within a column.
  for (const s of stages) (columns[depthOf(s)] ??= []).push(s);
  return columns.filter((c) => c !== undefined);
}
