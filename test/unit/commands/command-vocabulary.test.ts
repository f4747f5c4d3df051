import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from '../../../src/domain/commands/parse.js';
import { conceptOf } from '../../../src/domain/commands/resolve.js';

/** The vocabulary docs/commands.md promises, written out here rather than read from the lexicon. */
const VERB_TABLE: Record<string, string[]> = {
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

describe('command vocabulary', () => {
  it('reads every verb form as its action, exactly (no typo)', () => {
    for (const [action, forms] of Object.entries(VERB_TABLE))
      for (const form of forms) {
        const p = parseCommand(`${form} zzyzx`);
        assert.equal(p.action, action, form);
        assert.equal(p.verbTypo, false, form);
        assert.deepEqual(p.name, ['zzyzx'], form);
      }
  });

  it('ignores the words that carry no meaning', () => {
    const stop = [
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
      'kindly',
      'up',
      'mode',
      'режим',
      'режима',
      'режиме',
    ];
    for (const w of stop) assert.deepEqual(parseCommand(`show ${w} zzyzx`).name, ['zzyzx'], w);
  });

  it('marks the target as an organ or a cell by its stem', () => {
    for (const w of ['орган', 'органа', 'organ', 'organs', 'pipeline', 'пайплайн', 'конвейер', 'конвейера'])
      assert.equal(parseCommand(`show ${w} zzyzx`).kind, 'organ', w);
    for (const w of ['клетку', 'клеток', 'ячейку', 'cell', 'node', 'template', 'шаблон'])
      assert.equal(parseCommand(`show ${w} zzyzx`).kind, 'cell', w);
    assert.equal(parseCommand('show organ-1').kind, null, 'an id with a dash is a name, not a marker');
    assert.deepEqual(parseCommand('show organ-1').name, ['organ-1']);
    assert.equal(parseCommand('show organ.voice.v1').kind, null);
    assert.equal(parseCommand('show cell organ').kind, 'cell', 'the first marker wins');
  });

  it('reads safe mode and on/off in both languages', () => {
    for (const text of [
      'safe mode on',
      'безопасный режим вкл',
      'включи безопасный режим',
      'enable safe mode',
    ])
      assert.equal(parseCommand(text).safeMode, true, text);
    assert.equal(parseCommand('safe mode on').on, true);
    assert.equal(parseCommand('safe mode off').on, false);
    assert.equal(parseCommand('безопасный режим вкл').on, true);
    assert.equal(parseCommand('безопасный режим выкл').on, false);
    assert.equal(parseCommand('безопасный режим включен').on, true);
    assert.equal(parseCommand('безопасный режим выключен').on, false);
    assert.equal(parseCommand('enable safe mode').on, null, 'the verb says it; the planner reads it');
    assert.deepEqual(parseCommand('safe mode on').name, []);
  });

  it('reads capability levels by stem', () => {
    const level = (w: string) => parseCommand(`set factory_script ${w}`).level;
    for (const w of ['locked', 'lock', 'заблокирован', 'заблокированный', 'закрыт'])
      assert.equal(level(w), 'locked', w);
    for (const w of ['experimental', 'экспериментальный', 'эксперимент'])
      assert.equal(level(w), 'experimental', w);
    for (const w of ['stable', 'стабильный', 'стабильно']) assert.equal(level(w), 'stable', w);
    assert.equal(parseCommand('set factory_script').level, null);
    assert.equal(parseCommand('set factory-script stable').capability, 'factory_script');
  });

  it('splits pathway steps at arrows, then, затем, потом, commas and semicolons', () => {
    for (const sep of [' → ', ' -> ', ' => ', ', ', '; ', ' then ', ' затем ', ' потом '])
      assert.deepEqual(parseCommand(`build talk from echo${sep}reverse`).steps, [['echo'], ['reverse']], sep);
    assert.deepEqual(parseCommand('build talk from echo, reverse').name, ['talk']);
    assert.equal(parseCommand('build talk from echo').steps, null);
    // "затем" inside a word is not a separator.
    assert.equal(parseCommand('build xзатемy').steps, null);
  });

  it('reads the steps after a from-word, one word each when no separator is written', () => {
    for (const from of ['from', 'of', 'with', 'из', 'с', 'со'])
      assert.deepEqual(
        parseCommand(`build talk ${from} echo reverse speak`).steps,
        [['echo'], ['reverse'], ['speak']],
        from,
      );
    assert.deepEqual(parseCommand('build talk from echo reverse').steps, [['echo'], ['reverse']]);
    assert.equal(parseCommand('build talk from echo').steps, null, 'one word after from is no pathway');
    assert.deepEqual(parseCommand('build talk from echo').name, ['talk', 'echo']);
    assert.equal(
      parseCommand('create cell talk from echo reverse speak').steps,
      null,
      'a cell is not built from steps',
    );
    assert.deepEqual(parseCommand('create cell shout from echo').name, ['shout', 'echo']);
  });

  it('maps stems to the concepts cells are named with', () => {
    const table: [string, string][] = [
      ['голосовой', 'voice'],
      ['voice', 'voice'],
      ['speak', 'voice'],
      ['speech', 'voice'],
      ['речь', 'voice'],
      ['говорить', 'voice'],
      ['озвучка', 'voice'],
      ['зрение', 'vision'],
      ['зрительный', 'vision'],
      ['vision', 'vision'],
      ['visual', 'vision'],
      ['изображение', 'vision'],
      ['image', 'vision'],
      ['нормализация', 'normalize'],
      ['normalize', 'normalize'],
      ['normalise', 'normalize'],
      ['фонемы', 'phonemes'],
      ['phonemes', 'phonemes'],
      ['транслит', 'phonemes'],
      ['адаптер', 'adapter'],
      ['adapter', 'adapter'],
      ['эхо', 'echo'],
      ['echo', 'echo'],
      ['повтор', 'echo'],
      ['разворот', 'reverse'],
      ['реверс', 'reverse'],
      ['переворот', 'reverse'],
      ['reverse', 'reverse'],
      ['резюме', 'summarize'],
      ['сводка', 'summarize'],
      ['summary', 'summarize'],
      ['краткое', 'summarize'],
      ['текст', 'text'],
      ['text', 'text'],
    ];
    for (const [w, concept] of table) assert.equal(conceptOf(w), concept, w);
    assert.equal(conceptOf('zzyzx'), 'zzyzx');
  });

  it('reads versions only when marked or dotted', () => {
    assert.deepEqual(parseCommand('update x v2').version, { major: 2, minor: null, patch: null });
    assert.deepEqual(parseCommand('обнови x в3').version, { major: 3, minor: null, patch: null });
    assert.deepEqual(parseCommand('update x version 4').version, { major: 4, minor: null, patch: null });
    assert.deepEqual(parseCommand('обнови x до версии 5').version, { major: 5, minor: null, patch: null });
    assert.deepEqual(parseCommand('обнови x версия 6').version, { major: 6, minor: null, patch: null });
    assert.deepEqual(parseCommand('обнови x версию 7').version, { major: 7, minor: null, patch: null });
    assert.deepEqual(parseCommand('update x to 1.2').version, { major: 1, minor: 2, patch: null });
    assert.deepEqual(parseCommand('update x to 1.2.3').version, { major: 1, minor: 2, patch: 3 });
    assert.equal(parseCommand('update x 3').version, null, 'a bare number is not a version');
    assert.equal(parseCommand('update organ-1').version, null);
    assert.equal(parseCommand('update x_v2').version, null);
    assert.deepEqual(parseCommand('update x 3 to 1.2').version, { major: 1, minor: 2, patch: null });
    assert.deepEqual(parseCommand('update x to 1.2').name, ['x']);
  });

  it('reads settings in parentheses: flags and key=value or key: value pairs', () => {
    assert.deepEqual(parseCommand('update x (grayscale, mode=gray; size: 3, , =bad)').settings, {
      grayscale: true,
      mode: 'gray',
      size: '3',
    });
    assert.deepEqual(parseCommand('update x (a) (b = c d)').settings, { a: true, b: 'c d' });
    assert.deepEqual(parseCommand('update x (grayscale)').name, ['x']);
  });

  it('guesses the language from Cyrillic, unless told', () => {
    assert.equal(parseCommand('обнови x').lang, 'ru');
    assert.equal(parseCommand('update x').lang, 'en');
    assert.equal(parseCommand('update x', 'ru').lang, 'ru');
  });

  it('a verb one slip away is a typo only for forms of four letters or more, and words of three or more', () => {
    assert.deepEqual([parseCommand('aprove x').action, parseCommand('aprove x').verbTypo], ['approve', true]);
    assert.equal(parseCommand('ad x').action, null, 'too short to be a typo of add');
    assert.equal(parseCommand('pot x').action, null, '"put" has three letters: no typo of it is read');
    assert.equal(parseCommand('sho x').action, 'show');
  });
});
