import type { StoredTemplate } from '../../domain/cells/cell-model.js';
import type { CellTemplate } from '../../domain/cells/cell-template.js';
import { compareSemver } from '../../domain/cells/semver.js';
import type { Result } from '../../domain/errors.js';
import type { Clock, Store } from '../ports.js';
import type { TemplateQuery } from './cell-ports.js';
import { registerTemplateIn } from './cell-registry.js';

/** The template registry (`/cells…`): versions of cell templates, registered once, read by id. */
export class TemplateRegistry {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Registers a validated template version; the same content again is a no-op (`created: false`). */
  register(
    template: CellTemplate,
    actor: string,
  ): Promise<Result<{ template: StoredTemplate; created: boolean }>> {
    const now = new Date(this.#clock.now()).toISOString();
    return this.#store.transaction((tx) =>
      registerTemplateIn(tx, template, { source: 'api', sourcePath: null, actor, now }),
    );
  }

  /** The newest version of each template id, paged by id. */
  list(q: TemplateQuery): Promise<StoredTemplate[]> {
    return this.#store.cells.templates(q);
  }

  /** Every version of one template, oldest first (by SemVer). */
  async versions(templateId: string): Promise<StoredTemplate[]> {
    const versions = await this.#store.cells.templateVersions(templateId);
    return versions.sort((a, b) => compareSemver(a.version, b.version));
  }

  version(templateId: string, version: string): Promise<StoredTemplate | null> {
    return this.#store.cells.template(templateId, version);
  }
}
