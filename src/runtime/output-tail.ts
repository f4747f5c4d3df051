/**
 * Keeps the last `capBytes` of a stream. The end of a verification log (the failing assertion, the
 * summary) is what a reader needs; the head of a 100 MB test log is not worth the memory. Whole chunks
 * are dropped from the front, so at most `capBytes` plus one pipe chunk is held.
 */
export class OutputTail {
  readonly #cap: number;
  #chunks: Buffer[] = [];
  #held = 0;
  #seen = 0;

  constructor(capBytes: number) {
    this.#cap = Math.max(0, Math.floor(capBytes));
  }

  push(chunk: Buffer): void {
    this.#seen += chunk.length;
    this.#chunks.push(chunk);
    this.#held += chunk.length;
    while (this.#chunks.length > 1 && this.#held - this.#chunks[0]!.length >= this.#cap) {
      this.#held -= this.#chunks.shift()!.length;
    }
  }

  /** True when more than the cap was written, so `text()` is only the end of it. */
  get truncated(): boolean {
    return this.#seen > this.#cap;
  }

  /**
   * The kept bytes as UTF-8. When the cut lands inside a multi-byte character, its orphaned continuation
   * bytes (10xxxxxx, at most three) are dropped rather than shown as a replacement character. Bytes that
   * were never valid UTF-8 still decode to U+FFFD.
   */
  text(): string {
    const all = Buffer.concat(this.#chunks);
    if (!this.truncated) return all.toString('utf8');
    const tail = all.subarray(all.length - this.#cap);
    let skip = 0;
    while (skip < 3 && skip < tail.length && (tail[skip]! & 0xc0) === 0x80) skip++;
    return tail.subarray(skip).toString('utf8');
  }
}
