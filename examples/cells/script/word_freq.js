// Word frequencies: the `top` most frequent words of the input text (ties by first appearance).
function run(input, ctx) {
  if (typeof input !== 'string') throw new TypeError('input must be a string');
  const top = ctx.metadata.top ?? 5;
  const counts = new Map();
  for (const word of input.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const words = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([word, count]) => ({ word, count }));
  ctx.log(`${counts.size} distinct words`);
  return { total: [...counts.values()].reduce((a, b) => a + b, 0), words };
}
