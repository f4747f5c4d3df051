/**
 * The example templates of `examples/cells/`, bundled into the panel at build time, so the fabricate
 * form can start from one without a server route for them.
 */
const files = import.meta.glob<unknown>('../../../../examples/cells/*.json', {
  eager: true,
  import: 'default',
});

export interface ExampleTemplate {
  /** The file name without `.json`, e.g. `analysis.echo_adapter.v1`. */
  readonly name: string;
  readonly template: unknown;
}

export const EXAMPLE_TEMPLATES: readonly ExampleTemplate[] = Object.entries(files)
  .map(([path, template]) => ({ name: (path.split('/').pop() ?? path).replace(/\.json$/, ''), template }))
  .sort((a, b) => a.name.localeCompare(b.name));
