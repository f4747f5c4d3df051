/** The cell backends (in a module of its own: the panel bundles it). */
export const BACKENDS = ['adapter', 'script', 'wasm'] as const;
export type Backend = (typeof BACKENDS)[number];
