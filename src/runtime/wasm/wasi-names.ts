let names: Promise<ReadonlySet<string>> | null = null;

/** The WASI preview 1 functions Node's host provides (what a module may import). */
export function wasiFunctionNames(): Promise<ReadonlySet<string>> {
  names ??= import('node:wasi').then(({ WASI }) => {
    const wasi = new WASI({ version: 'preview1', args: [], env: {}, preopens: {} });
    return new Set(
      Object.keys((wasi.getImportObject() as { wasi_snapshot_preview1: object }).wasi_snapshot_preview1),
    );
  });
  return names;
}
