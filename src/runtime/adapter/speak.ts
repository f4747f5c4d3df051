import { defineOperation, NOT_A_STRING, reject, succeed } from './operation.js';

/**
 * The last step of the voice pathway (`text_normalize → text_to_phonemes → speak`). fabrica has no
 * audio device: the organ's contract is that the pathway's output *is* the phoneme string
 * (`N-YE-I-R-A G-O-V-O-R-I-T`), so `speak` passes its input through unchanged. It only checks there
 * is something to speak. Metadata (e.g. a `voice`) is accepted and ignored, so a real synthesiser can
 * later take the same templates.
 */
export const speak = defineOperation({
  name: 'speak',
  description: 'Passes a non-empty phoneme string through unchanged (the voice pathway output).',
  run: (input) => {
    if (typeof input !== 'string') return NOT_A_STRING;
    if (input.trim() === '') return reject('nothing to speak: input is empty');
    return succeed(input);
  },
});
