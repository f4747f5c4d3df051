import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CAPABILITIES, CAPABILITY_NAMES } from '../../../src/domain/capabilities.js';
import type { CellTemplate } from '../../../src/domain/cells/cell-template.js';
import type { Registry, RegistryCell } from '../../../src/domain/commands/registry.js';
import type { OrganTemplate } from '../../../src/domain/organs/organ-template.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const read = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

const cell = (t: CellTemplate): RegistryCell => ({
  id: `adapter:${t.id}`,
  backend: 'adapter',
  template: { ...t, links: t.links ?? [] },
  stableTemplate: { ...t, links: t.links ?? [] },
  revisions: [{ version: t.version, state: 'stable' }],
});

/** The example cells, a vision cell and one voice organ: the registry the command fixture is planned on. */
export function fixtureRegistry(): Registry {
  const cells = readdirSync(`${examples}cells`)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => cell(read(`${examples}cells/${f}`) as CellTemplate));
  cells.push(
    cell({
      id: 'analysis.vision_describe.v1',
      version: '1.0.0',
      analysis_type: 'vision_describe',
      links: [],
      metadata: { schema: 'v1', description: 'Describes an image.' },
    }),
  );
  const voice = read(`${examples}organs/organ.voice.v1.json`) as OrganTemplate;
  return {
    cells,
    organs: [{ id: 'organ-1', state: 'stable', template: { ...voice, policies: { ...voice.policies } } }],
    capabilities: Object.fromEntries(
      CAPABILITY_NAMES.map((n) => [n, CAPABILITIES[n].level]),
    ) as Registry['capabilities'],
    safeMode: false,
  };
}
