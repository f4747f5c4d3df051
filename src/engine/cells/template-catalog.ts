import { createHash } from 'node:crypto';
import type { StoredTemplate } from '../../domain/cells/cell-model.js';
import { templateHash, validateCellTemplate, type CellTemplate } from '../../domain/cells/cell-template.js';
import type { CatalogDir, CatalogFileEntry } from '../../runtime/catalog-dir.js';
import type { Clock, Store } from '../ports.js';
import type { CellMetrics } from './cell-metrics.js';
import { registerTemplateIn } from './cell-registry.js';
import { INTEGRITY_ACTOR, quarantineForIntegrity } from './integrity.js';

/** Who the catalog's events name as their actor. */
export const CATALOG_ACTOR = INTEGRITY_ACTOR;

/** Larger files are not read: a template is at most about 1 MB (`draft_content`). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

export interface TemplateCatalogOptions {
  readonly dir: CatalogDir;
  readonly store: Store;
  readonly clock: Clock;
  readonly metrics: CellMetrics;
  /** The safety-net rescan interval (fs.watch may miss changes). Default 500 ms. */
  readonly rescanMs?: number;
  /** Every this many rescans, every file is read again whatever its signature says. Default 20. */
  readonly deepEvery?: number;
  /** Called after a commit that changed a cell (the invoker drops its cached runtime). */
  readonly onCellChange: (cellId: string) => void;
  /**
   * Pins the SHA-256 of the catalog files a template names (`source_file`, `module_file`) into it, as
   * the API's registration does; problems make the file invalid. Absent: templates are taken as they are.
   */
  readonly pin?: (
    t: CellTemplate,
  ) => Promise<{ template: CellTemplate; problems: readonly { message: string }[] }>;
  readonly onError: (e: unknown, context: string) => void;
}

/** What one look at a file found. `unsettled`: invalid on a first read, perhaps caught mid-write. */
type Outcome = 'done' | 'retry' | 'unsettled';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The cell template catalog: a directory of `*.json` template files, watched (`fs.watch`, and a periodic
 * rescan as a safety net). Each distinct content of a file is looked at once:
 *
 * - a valid template whose id+version is new is registered (source `catalog`, its path as `sourcePath`);
 *   the same content as registered is a no-op;
 * - an invalid file (bad JSON, invalid template, or an id+version registered elsewhere with other
 *   content) leaves a `catalog.invalid_template` event `{path, problems}`. A file that is invalid on its
 *   first read is reported only when a later read finds the same content, so one caught mid-write is not;
 * - the file a template was registered from, now holding that id+version with other content (edited in
 *   place), is an integrity violation: `immune.integrity_violation`, and every cell of the template id is
 *   quarantined (`immune.quarantine` each), all in one transaction. Auto-heal lifts a quarantine once
 *   the file holds the registered template again.
 *
 * A removed file is forgotten (nothing is quarantined for it; a heal then fails while it is gone). Faults
 * (store unreachable, unreadable directory) are reported and retried at the next rescan; never thrown.
 */
export class TemplateCatalog {
  readonly #o: TemplateCatalogOptions;
  readonly #rescanMs: number;
  readonly #deepEvery: number;
  /** Per path: the signature and content hash of the content last dealt with. */
  readonly #seen = new Map<string, { signature: string; hash: string }>();
  /** Per path: the hash of content found invalid once, waiting for a second read to confirm it. */
  readonly #unsettled = new Map<string, string>();
  /** Per path: a template reported for the files it names, with those problems (see `#fileProblems`). */
  readonly #fileWaits = new Map<string, string>();
  #timer: NodeJS.Timeout | null = null;
  #debounce: NodeJS.Timeout | null = null;
  #unwatch: (() => void) | null = null;
  #scanning: Promise<void> | null = null;
  #again = false;
  #scans = 0;
  /** Set while watching fails (e.g. no inotify watches left): said once, the rescan carries on. */
  #watchFailed = false;
  #stopped = true;

  constructor(opts: TemplateCatalogOptions) {
    this.#o = opts;
    this.#rescanMs = opts.rescanMs ?? 500;
    this.#deepEvery = Math.max(1, opts.deepEvery ?? 20);
  }

  get path(): string {
    return this.#o.dir.path;
  }

  /** Creates the directory if missing, scans every file once, then watches. Never throws. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    await this.scan();
    this.#timer = setInterval(() => void this.scan(), this.#rescanMs);
    this.#timer.unref();
  }

  /** Stops watching and waits for a scan in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#debounce !== null) clearTimeout(this.#debounce);
    this.#timer = null;
    this.#debounce = null;
    this.#unwatch?.();
    this.#unwatch = null;
    await this.#scanning;
  }

  /** Looks at the directory now (or right after the scan in progress); resolves when that is done. */
  scan(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#scanning !== null) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = (async () => {
      try {
        do {
          this.#again = false;
          await this.#scanOnce();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#scanning = null;
      }
    })();
    return this.#scanning;
  }

  async #scanOnce(): Promise<void> {
    const { dir, onError } = this.#o;
    let files: CatalogFileEntry[];
    try {
      await dir.ensure();
      this.#watch();
      files = await dir.list();
    } catch (e) {
      onError(e, `template catalog: scanning ${dir.path}`);
      return;
    }
    this.#scans += 1;
    const deep = this.#scans % this.#deepEvery === 0;
    const present = new Set(files.map((f) => f.path));
    for (const p of this.#seen.keys()) if (!present.has(p)) this.#seen.delete(p);
    for (const p of this.#unsettled.keys()) if (!present.has(p)) this.#unsettled.delete(p);
    for (const p of this.#fileWaits.keys()) if (!present.has(p)) this.#fileWaits.delete(p);
    for (const file of files) {
      if (this.#stopped) return;
      if (!deep && this.#seen.get(file.path)?.signature === file.signature) continue;
      try {
        await this.#look(file);
      } catch (e) {
        onError(e, `template catalog: ${file.path}`);
      }
    }
  }

  #watch(): void {
    if (this.#unwatch !== null || this.#stopped) return;
    try {
      this.#unwatch = this.#o.dir.watch(
        () => this.#soon(),
        (e) => {
          // The next rescan watches again (e.g. once the directory is back).
          this.#unwatch?.();
          this.#unwatch = null;
          this.#o.onError(e, `template catalog: watching ${this.#o.dir.path}`);
        },
      );
      this.#watchFailed = false;
    } catch (e) {
      if (!this.#watchFailed) this.#o.onError(e, `template catalog: watching ${this.#o.dir.path}`);
      this.#watchFailed = true;
    }
  }

  /** A watch event: scan shortly, once for a burst of events (one write can raise several). */
  #soon(): void {
    if (this.#stopped || this.#debounce !== null) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      void this.scan();
    }, 25);
    this.#debounce.unref();
  }

  async #look(file: CatalogFileEntry): Promise<void> {
    const seen = this.#seen.get(file.path);
    let text: string;
    let hash: string;
    if (file.size > MAX_FILE_BYTES) {
      text = '';
      hash = `too-large:${file.signature}`;
    } else {
      const read = await this.#o.dir.read(file.path);
      if (read === null) return; // gone since listed: the next scan forgets it
      text = read;
      hash = sha256(text);
    }
    if (seen?.hash === hash) {
      this.#seen.set(file.path, { signature: file.signature, hash });
      return;
    }
    const outcome =
      file.size > MAX_FILE_BYTES
        ? await this.#invalid(file.path, hash, [`$: the file is larger than ${MAX_FILE_BYTES} bytes`], true)
        : await this.#examine(file.path, text, hash);
    if (outcome === 'done') {
      this.#seen.set(file.path, { signature: file.signature, hash });
      this.#unsettled.delete(file.path);
    }
  }

  async #examine(path: string, text: string, hash: string): Promise<Outcome> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return this.#invalid(path, hash, [`$: not valid JSON: ${(e as Error).message}`], false);
    }
    const parsed = validateCellTemplate(raw);
    if (!parsed.ok) {
      const problems = parsed.error.details?.problems;
      return this.#invalid(
        path,
        hash,
        Array.isArray(problems) ? problems.map(String) : [parsed.error.reason],
        false,
      );
    }
    let template = parsed.value;
    if (this.#o.pin !== undefined) {
      const pinned = await this.#o.pin(template);
      if (pinned.problems.length > 0) return this.#fileProblems(path, hash, pinned.problems);
      this.#fileWaits.delete(path);
      template = pinned.template;
    }
    const stored = await this.#o.store.cells.template(template.id, template.version);
    if (stored === null) return this.#register(path, hash, template);
    return this.#compare(path, hash, template, stored);
  }

  /**
   * A template whose named file cannot be used yet (often: copied before its file): reported once, like
   * any invalid content, and looked at again at every scan, so it is registered once the file is there.
   */
  async #fileProblems(
    path: string,
    hash: string,
    problems: readonly { message: string }[],
  ): Promise<Outcome> {
    const messages = problems.map((p) => p.message);
    const key = `${hash}\n${messages.join('\n')}`;
    if (this.#fileWaits.get(path) === key) return 'retry';
    if ((await this.#invalid(path, hash, messages, false)) === 'done') this.#fileWaits.set(path, key);
    return 'retry';
  }

  async #register(path: string, hash: string, template: CellTemplate): Promise<Outcome> {
    const now = new Date(this.#o.clock.now()).toISOString();
    const r = await this.#o.store.transaction((tx) =>
      registerTemplateIn(tx, template, { source: 'catalog', sourcePath: path, actor: CATALOG_ACTOR, now }),
    );
    if (r.ok) return 'done';
    // Registered meanwhile (another instance, an API call) with other content: judge against that.
    const stored = await this.#o.store.cells.template(template.id, template.version);
    return stored === null ? 'retry' : this.#compare(path, hash, template, stored);
  }

  async #compare(
    path: string,
    hash: string,
    template: CellTemplate,
    stored: StoredTemplate,
  ): Promise<Outcome> {
    const fileSha = templateHash(template);
    if (fileSha === stored.sha256) return 'done';
    if (stored.source === 'catalog' && stored.sourcePath === path) {
      await this.#violation(path, stored, fileSha);
      return 'done';
    }
    const from =
      stored.source === 'catalog' && stored.sourcePath !== null
        ? `catalog file ${stored.sourcePath}`
        : stored.source;
    return this.#invalid(
      path,
      hash,
      [
        `$: template ${template.id}@${template.version} is already registered (from ${from}) with other content; give this file a new version`,
      ],
      true,
    );
  }

  async #invalid(path: string, hash: string, problems: string[], settled: boolean): Promise<Outcome> {
    if (!settled && this.#unsettled.get(path) !== hash) {
      this.#unsettled.set(path, hash);
      return 'unsettled';
    }
    await this.#o.store.transaction((tx) =>
      tx.appendEvent({
        type: 'catalog.invalid_template',
        subjectKind: 'catalog_file',
        subjectId: path,
        actor: CATALOG_ACTOR,
        data: { path, problems },
      }),
    );
    this.#o.metrics.invalidCatalogFiles.inc();
    return 'done';
  }

  /** Quarantines every cell of the template id, with the violation, in one transaction. */
  async #violation(path: string, stored: StoredTemplate, fileSha: string): Promise<void> {
    const { store, metrics, clock } = this.#o;
    const quarantined = await quarantineForIntegrity(store, clock, metrics, {
      templateId: stored.templateId,
      version: stored.version,
      path,
      registeredSha256: stored.sha256,
      fileSha256: fileSha,
      reason: `integrity violation: catalog file ${path} no longer holds the registered template ${stored.templateId}@${stored.version}`,
    });
    for (const id of quarantined) this.#o.onCellChange(id);
  }
}
