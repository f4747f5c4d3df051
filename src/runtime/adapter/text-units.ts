/** Words and sentences, shared by `summary`, `word_count` and `classify`. */

/** Runs of Unicode letters, marks and digits; an inner apostrophe or hyphen keeps a word whole. */
const WORD = /[\p{L}\p{M}\p{N}]+(?:['’-][\p{L}\p{M}\p{N}]+)*/gu;

/** The words of a text, lower-cased and in NFC. */
export const wordsOf = (text: string): string[] => text.normalize('NFC').toLowerCase().match(WORD) ?? [];

/**
 * Sentences end at `.`, `!`, `?` or `…` (a run of them, plus up to three closing quotes or brackets)
 * followed by whitespace or the end; the punctuation stays with its sentence. Text after the last
 * terminator is a sentence too. The quote run is bounded so a long run of quotes cannot make the split
 * quadratic.
 */
export const sentencesOf = (text: string): string[] =>
  text
    .split(/(?<=[.!?…]["'’”»)\]]{0,3})\s+/u)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** A small list of English and Russian function words that carry no topic. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been but by for from had has have he her his i if in into is it its me my no ' +
    'not of on or our she so than that the their them then there these they this those to was we were ' +
    'what when which who will with would you your ' +
    'а без бы был была были было в вам вас во вот все всё вы где да для до его ее её если есть еще ещё ' +
    'же за и из или им их к как ко когда кто ли мне мы на над не нет ни но ну о об он она они оно от ' +
    'по под при с со так там то тоже только ты у уже чем что чтобы эта эти это я'
  ).split(' '),
);
