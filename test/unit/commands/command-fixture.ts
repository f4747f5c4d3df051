/**
 * Commands as people write them, half Russian and half English, each with the intent, the target and
 * the parts of the spec it must plan on `fixtureRegistry()` (typos within edit distance 1 of the verb,
 * other word orders, with and without "пожалуйста/please").
 */
export interface FixtureCase {
  readonly lang: 'ru' | 'en';
  readonly text: string;
  readonly intent: string;
  readonly target: string;
  /** Paths of the spec and their values (`pathways.0.cells` compares the whole array). */
  readonly spec?: Readonly<Record<string, unknown>>;
}

const SPEAK = ['analysis.text_normalize.v1', 'analysis.text_to_phonemes.v1', 'analysis.speak_adapter.v1'];
const ECHO = 'adapter:analysis.echo_adapter.v1';
const REVERSE = 'adapter:analysis.reverse_adapter.v1';
const SUMMARIZE = 'adapter:analysis.summarize.v1';
const NORMALIZE = 'adapter:analysis.text_normalize.v1';
const PHONEMES = 'adapter:analysis.text_to_phonemes.v1';
const VISION = 'adapter:analysis.vision_describe.v1';
const SPEAKER = 'adapter:analysis.speak_adapter.v1';

const ru = (text: string, intent: string, target: string, spec?: Record<string, unknown>): FixtureCase => ({
  lang: 'ru',
  text,
  intent,
  target,
  ...(spec === undefined ? {} : { spec }),
});
const en = (text: string, intent: string, target: string, spec?: Record<string, unknown>): FixtureCase => ({
  lang: 'en',
  text,
  intent,
  target,
  ...(spec === undefined ? {} : { spec }),
});

export const FIXTURE: readonly FixtureCase[] = [
  // the seed's three examples
  ru('создай голосовой орган v1', 'organ.build', 'organ.voice.v1', {
    id: 'organ.voice.v1',
    'pathways.0.cells': SPEAK,
  }),
  ru('обнови зрение до v2 (grayscale)', 'cell.new_version', VISION, {
    version: '2.0.0',
    'metadata.grayscale': true,
  }),
  ru('собери speak-pipeline normalize→phonemes→adapter', 'organ.build', 'organ.speak-pipeline.v1', {
    'pathways.0.cells': SPEAK,
    version: '0.1.0',
  }),
  // Russian
  ru(
    'пожалуйста, собери speak-pipeline normalize -> phonemes -> adapter',
    'organ.build',
    'organ.speak-pipeline.v1',
    { 'pathways.0.cells': SPEAK },
  ),
  ru('собери орган talk из normalize, phonemes, adapter', 'organ.build', 'organ.talk.v1', {
    'pathways.0.cells': SPEAK,
  }),
  ru(
    'собири speak-pipeline normalize затем phonemes затем adapter',
    'organ.build',
    'organ.speak-pipeline.v1',
    { 'pathways.0.cells': SPEAK },
  ),
  ru('собрать конвейер echo-chain эхо → реверс', 'organ.build', 'organ.echo-chain.v1', {
    'pathways.0.cells': ['analysis.echo_adapter.v1', 'analysis.reverse_adapter.v1'],
  }),
  ru('построй орган reader нормализация потом фонемы', 'organ.build', 'organ.reader.v1', {
    'pathways.0.cells': ['analysis.text_normalize.v1', 'analysis.text_to_phonemes.v1'],
  }),
  ru('создай орган голос', 'organ.build', 'organ.voice.v1', { 'pathways.0.cells': SPEAK }),
  ru('сделай голосовой орган', 'organ.build', 'organ.voice.v1'),
  ru('голосовой орган создай, пожалуйста', 'organ.build', 'organ.voice.v1'),
  ru('обнови зрение до версии 3', 'cell.new_version', VISION, { version: '3.0.0' }),
  ru('обнови клетку нормализации до 1.2.0 (lowercase)', 'cell.new_version', NORMALIZE, {
    version: '1.2.0',
    'metadata.lowercase': true,
  }),
  ru('обнавить зрение до v2 (mode=grayscale)', 'cell.new_version', VISION, {
    version: '2.0.0',
    'metadata.mode': 'grayscale',
  }),
  ru('пожалуйста обнови резюме (sentences=3)', 'cell.new_version', SUMMARIZE, {
    version: '0.2.0',
    'metadata.sentences': '3',
  }),
  ru('зрение обнови до v2', 'cell.new_version', VISION, { version: '2.0.0' }),
  ru('обнови голосовой орган до 0.2.0', 'organ.new_version', 'organ.voice.v1', { version: '0.2.0' }),
  ru('создай клетку summary_short из резюме', 'cell.create', 'analysis.summary_short.v1', {
    analysis_type: 'summary',
    version: '0.1.0',
  }),
  ru('создать клетку shout из эхо (loud)', 'cell.create', 'analysis.shout.v1', {
    analysis_type: 'echo',
    'metadata.loud': true,
  }),
  ru('добавь клетку mirror из реверс', 'cell.create', 'analysis.mirror.v1', {
    analysis_type: 'reverse',
  }),
  ru('одобри клетку эхо', 'cell.approve', ECHO),
  ru('одобрить реверс пожалуйста', 'cell.approve', REVERSE),
  ru('одобри клетку фонем', 'cell.approve', PHONEMES),
  ru('утверди клетку резюме', 'cell.approve', SUMMARIZE),
  ru('одобри organ-1', 'organ.approve', 'organ-1'),
  ru('одобри голосовой орган', 'organ.approve', 'organ-1'),
  ru('откати клетку резюме', 'cell.rollback', SUMMARIZE),
  ru('откатить нормализацию', 'cell.rollback', NORMALIZE),
  ru('откати зрение, пожалуйста', 'cell.rollback', VISION),
  ru('выключи клетку реверс', 'cell.disable', REVERSE),
  ru('отключи эхо', 'cell.disable', ECHO),
  ru('выключить клетку speak_adapter', 'cell.disable', SPEAKER),
  ru('покажи статус голосового органа', 'status.show', 'organ-1'),
  ru('покажи клетку фонем', 'status.show', PHONEMES),
  ru('статус organ-1', 'status.show', 'organ-1'),
  ru('покожи зрение', 'status.show', VISION),
  ru('включи безопасный режим', 'safe_mode.set', 'safe-mode'),
  ru('выключи безопасный режим пожалуйста', 'safe_mode.set', 'safe-mode'),
  ru('безопасный режим вкл', 'safe_mode.set', 'safe-mode'),
  ru('переведи factory_script в stable', 'capability.set', 'factory_script'),
  ru('установи factory_wasm экспериментальный', 'capability.set', 'factory_wasm'),
  ru('выключи organs_builder', 'capability.set', 'organs_builder'),
  // English
  en('build speak-pipeline normalize -> phonemes -> adapter', 'organ.build', 'organ.speak-pipeline.v1', {
    'pathways.0.cells': SPEAK,
  }),
  en('please build speak-pipeline normalize → phonemes → adapter', 'organ.build', 'organ.speak-pipeline.v1', {
    'pathways.0.cells': SPEAK,
  }),
  en('assemble organ talk from normalize, phonemes, adapter', 'organ.build', 'organ.talk.v1', {
    'pathways.0.cells': SPEAK,
  }),
  en('buld speak-pipeline normalize then phonemes then adapter', 'organ.build', 'organ.speak-pipeline.v1', {
    'pathways.0.cells': SPEAK,
  }),
  en('build echo-chain echo -> reverse', 'organ.build', 'organ.echo-chain.v1', {
    'pathways.0.cells': ['analysis.echo_adapter.v1', 'analysis.reverse_adapter.v1'],
  }),
  en('compose pipeline reader: normalize then phonemes', 'organ.build', 'organ.reader.v1', {
    'pathways.0.cells': ['analysis.text_normalize.v1', 'analysis.text_to_phonemes.v1'],
  }),
  en('create the voice organ v1', 'organ.build', 'organ.voice.v1', { 'pathways.0.cells': SPEAK }),
  en('make a voice organ please', 'organ.build', 'organ.voice.v1'),
  en('creat voice organ', 'organ.build', 'organ.voice.v1'),
  en('update vision to v2 (grayscale)', 'cell.new_version', VISION, {
    version: '2.0.0',
    'metadata.grayscale': true,
  }),
  en('upgrade vision to version 3', 'cell.new_version', VISION, { version: '3.0.0' }),
  en('please update the normalize cell to 1.2.0 (lowercase)', 'cell.new_version', NORMALIZE, {
    version: '1.2.0',
    'metadata.lowercase': true,
  }),
  en('updte vision to v2 (mode: grayscale)', 'cell.new_version', VISION, {
    version: '2.0.0',
    'metadata.mode': 'grayscale',
  }),
  en('bump summarize (sentences=3)', 'cell.new_version', SUMMARIZE, {
    version: '0.2.0',
    'metadata.sentences': '3',
  }),
  en('vision: update to v2', 'cell.new_version', VISION, { version: '2.0.0' }),
  en('upgrade the voice organ to 0.2.0', 'organ.new_version', 'organ.voice.v1', { version: '0.2.0' }),
  en('create cell summary_short from summarize', 'cell.create', 'analysis.summary_short.v1', {
    analysis_type: 'summary',
  }),
  en('make cell shout from echo (loud)', 'cell.create', 'analysis.shout.v1', {
    analysis_type: 'echo',
    'metadata.loud': true,
  }),
  en('add a cell mirror from reverse', 'cell.create', 'analysis.mirror.v1', {
    analysis_type: 'reverse',
  }),
  en('approve cell echo', 'cell.approve', ECHO),
  en('please approve reverse', 'cell.approve', REVERSE),
  en('aprove the phonemes cell', 'cell.approve', PHONEMES),
  en('promote summarize', 'cell.approve', SUMMARIZE),
  en('approve organ-1', 'organ.approve', 'organ-1'),
  en('approve the voice organ', 'organ.approve', 'organ-1'),
  en('rollback cell summarize', 'cell.rollback', SUMMARIZE),
  en('roll back normalize', 'cell.rollback', NORMALIZE),
  en('revert vision please', 'cell.rollback', VISION),
  en('disable cell reverse', 'cell.disable', REVERSE),
  en('disable echo', 'cell.disable', ECHO),
  en('disabel the speak_adapter cell', 'cell.disable', SPEAKER),
  en('show status of the voice organ', 'status.show', 'organ-1'),
  en('show the phonemes cell', 'status.show', PHONEMES),
  en('status organ-1', 'status.show', 'organ-1'),
  en('shw vision', 'status.show', VISION),
  en('turn safe mode on', 'safe_mode.set', 'safe-mode'),
  en('safe mode off please', 'safe_mode.set', 'safe-mode'),
  en('enable safe mode', 'safe_mode.set', 'safe-mode'),
  en('set factory_script to experimental', 'capability.set', 'factory_script'),
  en('set factory_wasm to stable', 'capability.set', 'factory_wasm'),
  en('disable organs_builder', 'capability.set', 'organs_builder'),
];
