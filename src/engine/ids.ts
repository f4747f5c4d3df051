import { randomBytes } from 'node:crypto';
import type { Clock } from './ports.js';

/**
 * Ids that sort by creation time (`run_<time><counter><random>`), so lists can page by id. The counter
 * keeps ids made in the same millisecond in order; the random tail keeps instances apart.
 */
export class IdGenerator {
  readonly #clock: Clock;
  #last = 0;
  #counter = 0;
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  next(prefix: string): string {
    const now = this.#clock.now();
    if (now === this.#last) this.#counter += 1;
    else {
      this.#last = now;
      this.#counter = 0;
    }
    const time = now.toString(36).padStart(9, '0');
    const counter = this.#counter.toString(36).padStart(3, '0');
    return `${prefix}_${time}${counter}${randomBytes(4).toString('hex')}`;
  }
}
