/**
 * The words the command grammar knows, in Russian and English (docs/commands.md). Verb forms are
 * matched whole or within edit distance 1 (people type fast); nouns are matched by stem, so the Russian
 * cases (`орган`, `органа`, `органом`) need one entry.
 */

export type Lang = 'ru' | 'en';

/** What a command verb asks for; the planner turns it and the entities into an intent. */
export type Action =
  'create' | 'build' | 'update' | 'approve' | 'disable' | 'rollback' | 'cancel' | 'show' | 'set' | 'enable';

export const VERBS: Readonly<Record<Action, readonly string[]>> = {
  create: [
    'создай',
    'создать',
    'создайте',
    'сделай',
    'сделать',
    'сделайте',
    'добавь',
    'добавить',
    'сфабрикуй',
    'create',
    'make',
    'add',
    'fabricate',
    'new',
  ],
  build: ['собери', 'собрать', 'соберите', 'построй', 'построить', 'build', 'assemble', 'compose'],
  update: ['обнови', 'обновить', 'обновите', 'апгрейдни', 'подними', 'поднять', 'update', 'upgrade', 'bump'],
  approve: ['одобри', 'одобрить', 'одобрите', 'утверди', 'утвердить', 'продвинь', 'approve', 'promote'],
  disable: ['выключи', 'выключить', 'выключите', 'отключи', 'отключить', 'disable', 'deactivate'],
  rollback: ['откати', 'откатить', 'откатите', 'верни', 'rollback', 'revert', 'roll'],
  cancel: ['отмени', 'отменить', 'останови', 'остановить', 'cancel', 'stop', 'abort'],
  show: ['покажи', 'показать', 'покажите', 'статус', 'состояние', 'show', 'status', 'display', 'check'],
  set: ['установи', 'установить', 'поставь', 'переведи', 'перевести', 'выстави', 'set', 'put', 'change'],
  enable: ['включи', 'включить', 'включите', 'enable', 'activate'],
};

/** Words that carry no meaning for the grammar (politeness, articles, prepositions). */
export const STOP_WORDS = new Set([
  'пожалуйста',
  'плиз',
  'please',
  'pls',
  'the',
  'a',
  'an',
  'to',
  'of',
  'for',
  'до',
  'в',
  'во',
  'на',
  'для',
  'новую',
  'новый',
  'новая',
  'новое',
  'мне',
  'me',
  'us',
  'нам',
  'и',
  'and',
  'its',
  'его',
  'её',
  'ее',
  'version',
  'версию',
  'версия',
  'версии',
  'level',
  'уровень',
  'уровня',
  'now',
  'сейчас',
  'back',
  'назад',
  'что',
  'what',
  'is',
  'это',
  'please,',
  'kindly',
  'up',
  'mode',
  'режим',
  'режима',
  'режиме',
]);

/** Words that mark the target as an organ or as a cell. */
export const ORGAN_STEMS = ['орган', 'organ', 'pipeline', 'пайплайн', 'конвейер'];
export const CELL_STEMS = ['клетк', 'клеток', 'ячейк', 'cell', 'node', 'template', 'шаблон'];

/** Markers before the steps of a pathway written without arrows ("build X from a, b"). */
export const FROM_WORDS = new Set(['from', 'of', 'with', 'из', 'с', 'со']);

/** Pathway separators: arrows, "then", "затем", "потом", commas. */
export const STEP_SPLIT =
  /\s*(?:→|->|=>|,|;|\bthen\b|(?<![\p{L}])затем(?![\p{L}])|(?<![\p{L}])потом(?![\p{L}]))\s*/u;

/**
 * Concepts: a Russian (or English) stem → the English word cells are named with. Cell ids and analysis
 * types are read through the same table, so "голосовой" meets "speak" as the concept `voice`.
 */
export const GLOSSARY: readonly (readonly [stem: string, concept: string])[] = [
  ['голос', 'voice'],
  ['voice', 'voice'],
  ['speak', 'voice'],
  ['speech', 'voice'],
  ['реч', 'voice'],
  ['говор', 'voice'],
  ['озвуч', 'voice'],
  ['зрен', 'vision'],
  ['зрит', 'vision'],
  ['vision', 'vision'],
  ['visual', 'vision'],
  ['изображ', 'vision'],
  ['image', 'vision'],
  ['нормализ', 'normalize'],
  ['normaliz', 'normalize'],
  ['normalis', 'normalize'],
  ['фонем', 'phonemes'],
  ['phonem', 'phonemes'],
  ['транслит', 'phonemes'],
  ['адаптер', 'adapter'],
  ['adapter', 'adapter'],
  ['эхо', 'echo'],
  ['echo', 'echo'],
  ['повтор', 'echo'],
  ['разворот', 'reverse'],
  ['реверс', 'reverse'],
  ['переворот', 'reverse'],
  ['revers', 'reverse'],
  ['резюм', 'summarize'],
  ['сводк', 'summarize'],
  ['summar', 'summarize'],
  ['кратк', 'summarize'],
  ['текст', 'text'],
  ['text', 'text'],
];

/** Safe mode is named by two words in either language. */
export const SAFE_WORDS = ['safe', 'безопасн'];
export const ON_WORDS = new Set(['on', 'вкл', 'включен', 'включи', 'включить', 'enable', 'enabled']);
export const OFF_WORDS = new Set(['off', 'выкл', 'выключен', 'выключи', 'выключить', 'disable', 'disabled']);
