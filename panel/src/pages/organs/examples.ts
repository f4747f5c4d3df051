/**
 * The example organ templates of `examples/organs/`, bundled into the panel (they are small) so the
 * build form can offer them without a server route for files.
 */
const files = import.meta.glob<unknown>('../../../../examples/organs/*.json', {
  eager: true,
  import: 'default',
});

export interface Example {
  /** The file's name without `.json`: `organ.echo.v1`. */
  readonly name: string;
  /** The template, pretty-printed as it would be pasted. */
  readonly text: string;
}

export const EXAMPLES: readonly Example[] = Object.entries(files)
  .map(([path, json]) => ({
    name: (path.split('/').pop() ?? path).replace(/\.json$/, ''),
    text: JSON.stringify(json, null, 2),
  }))
  .sort((a, b) => a.name.localeCompare(b.name));
