/** A JSON diff by path, for people: what a plan adds, removes and changes against the current version. */
export interface JsonDiff {
  readonly added: readonly { readonly path: string; readonly value: unknown }[];
  readonly removed: readonly { readonly path: string; readonly value: unknown }[];
  readonly changed: readonly { readonly path: string; readonly from: unknown; readonly to: unknown }[];
  /** One line per difference: `+ $.metadata.grayscale: true`, `~ $.version: "0.1.0" → "2.0.0"`. */
  readonly lines: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Objects are compared key by key; arrays and scalars as whole values (an array's order is its meaning). */
export function jsonDiff(before: unknown, after: unknown): JsonDiff {
  const added: { path: string; value: unknown }[] = [];
  const removed: { path: string; value: unknown }[] = [];
  const changed: { path: string; from: unknown; to: unknown }[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (isObject(a) && isObject(b)) {
      for (const k of Object.keys(a).sort()) {
        if (!(k in b)) removed.push({ path: `${path}.${k}`, value: a[k] });
        else walk(a[k], b[k], `${path}.${k}`);
      }
      for (const k of Object.keys(b).sort()) if (!(k in a)) added.push({ path: `${path}.${k}`, value: b[k] });
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) changed.push({ path, from: a, to: b });
  };
  if (before === null || before === undefined) {
    if (isObject(after)) for (const k of Object.keys(after)) added.push({ path: `$.${k}`, value: after[k] });
    else added.push({ path: '$', value: after });
  } else walk(before, after, '$');
  const show = (v: unknown) => JSON.stringify(v);
  const lines = [
    ...added.map((d) => `+ ${d.path}: ${show(d.value)}`),
    ...removed.map((d) => `- ${d.path}: ${show(d.value)}`),
    ...changed.map((d) => `~ ${d.path}: ${show(d.from)} → ${show(d.to)}`),
  ];
  return { added, removed, changed, lines };
}
