import { watch } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One catalog file as listed: `signature` changes whenever the file is written, replaced or resized. */
export interface CatalogFileEntry {
  readonly path: string;
  readonly size: number;
  readonly signature: string;
}

/** The catalog directory as the template catalog sees it (see `engine/cells/template-catalog.ts`). */
export interface CatalogDir {
  readonly path: string;
  /** Creates the directory (and its parents) when missing. */
  ensure(): Promise<void>;
  /** The regular `*.json` files directly in the directory (not dot files: editors' temporary copies), by name. */
  list(): Promise<CatalogFileEntry[]>;
  /** The file's text, or null when it is gone. */
  read(path: string): Promise<string | null>;
  /**
   * Calls `onChange` whenever something in the directory may have changed. Returns the function that
   * stops watching; `onError` hears of a watcher that broke (the caller watches again later).
   */
  watch(onChange: () => void, onError: (e: unknown) => void): () => void;
}

const isMissing = (e: unknown): boolean =>
  (e as NodeJS.ErrnoException | null)?.code === 'ENOENT' ||
  (e as NodeJS.ErrnoException | null)?.code === 'ENOTDIR';

/** The catalog directory on the local file system: `fs.watch` plus plain reads. */
export function nodeCatalogDir(dir: string): CatalogDir {
  return {
    path: dir,
    ensure: async () => {
      await mkdir(dir, { recursive: true });
    },
    list: async () => {
      const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
      const entries: CatalogFileEntry[] = [];
      for (const name of names) {
        const path = join(dir, name);
        try {
          const s = await stat(path, { bigint: true });
          if (!s.isFile()) continue;
          entries.push({
            path,
            size: Number(s.size),
            signature: `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`,
          });
        } catch (e) {
          if (!isMissing(e)) throw e;
        }
      }
      return entries;
    },
    read: async (path) => {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    },
    watch: (onChange, onError) => {
      const watcher = watch(dir, { persistent: false }, () => onChange());
      watcher.on('error', onError);
      return () => watcher.close();
    },
  };
}
