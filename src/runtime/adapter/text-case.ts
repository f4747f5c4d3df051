import { defineOperation, NOT_A_STRING, reject, succeed } from './operation.js';

export const echo = defineOperation({
  name: 'echo',
  description: 'Returns the input unchanged (any JSON value).',
  run: (input) => (input === undefined ? reject('input is missing') : succeed(input)),
});

export const reverse = defineOperation({
  name: 'reverse',
  description: 'Reverses a string by Unicode code points, so Cyrillic and emoji survive.',
  run: (input) => (typeof input === 'string' ? succeed([...input].reverse().join('')) : NOT_A_STRING),
});

export const uppercase = defineOperation({
  name: 'uppercase',
  description: 'Upper-cases a string (Unicode aware).',
  run: (input) => (typeof input === 'string' ? succeed(input.toUpperCase()) : NOT_A_STRING),
});

export const lowercase = defineOperation({
  name: 'lowercase',
  description: 'Lower-cases a string (Unicode aware).',
  run: (input) => (typeof input === 'string' ? succeed(input.toLowerCase()) : NOT_A_STRING),
});
