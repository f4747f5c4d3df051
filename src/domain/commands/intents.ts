import type { Action } from './lexicon.js';

/** Every intent a command can have, the verb that leads to it, and an example in each language. */
export const INTENTS = {
  'cell.create': {
    action: 'create',
    en: 'create cell summary_short from summarize',
    ru: 'создай клетку summary_short из summarize',
  },
  'cell.new_version': {
    action: 'update',
    en: 'update normalize to v2 (lowercase)',
    ru: 'обнови зрение до v2 (grayscale)',
  },
  'organ.build': {
    action: 'build',
    en: 'build speak-pipeline normalize -> phonemes -> adapter',
    ru: 'собери speak-pipeline normalize→phonemes→adapter',
  },
  'organ.new_version': {
    action: 'update',
    en: 'upgrade the voice organ to 1.0.0',
    ru: 'обнови голосовой орган до v2',
  },
  'cell.approve': { action: 'approve', en: 'approve cell echo', ru: 'одобри клетку эхо' },
  'cell.disable': { action: 'disable', en: 'disable cell reverse', ru: 'выключи клетку реверс' },
  'cell.rollback': { action: 'rollback', en: 'roll back cell summarize', ru: 'откати клетку резюме' },
  'organ.approve': { action: 'approve', en: 'approve organ-1', ru: 'одобри голосовой орган' },
  'status.show': { action: 'show', en: 'show status of the voice organ', ru: 'покажи статус клетки фонем' },
  'capability.set': {
    action: 'set',
    en: 'set factory_script to experimental',
    ru: 'переведи factory_script в stable',
  },
  'safe_mode.set': { action: 'enable', en: 'turn safe mode on', ru: 'включи безопасный режим' },
} as const satisfies Record<string, { action: Action; en: string; ru: string }>;

export type Intent = keyof typeof INTENTS;
export const INTENT_NAMES = Object.keys(INTENTS) as Intent[];

/** The intents closest to what was said: those of its verb first, else the three most used. */
export function closestIntents(action: Action | null): Intent[] {
  const byVerb = INTENT_NAMES.filter((i) => INTENTS[i].action === action);
  return byVerb.length > 0 ? byVerb : ['organ.build', 'cell.new_version', 'status.show'];
}
