/**
 * The immune system's burst rule (docs/rollouts.md "Immune system"): calls and errors of one revision over
 * a sliding window, kept in ten slots of a tenth of the window each, so that a call costs a few additions
 * and the window slides without remembering single calls (its edge is blurred by one slot).
 */
export class ErrorBurst {
  readonly #slotMs: number;
  readonly #calls = new Array<number>(10).fill(0);
  readonly #errors = new Array<number>(10).fill(0);
  #slot = -1;

  constructor(readonly windowMs: number) {
    this.#slotMs = Math.max(1, windowMs / 10);
  }

  /** Counts one call at `now`; answers the window's calls and errors when this call failed, else null. */
  add(now: number, failed: boolean): { calls: number; errors: number } | null {
    const slot = Math.floor(now / this.#slotMs);
    if (slot !== this.#slot) {
      // Slots the window slid past are emptied (all of them after a long quiet spell).
      const gap = this.#slot < 0 ? 10 : Math.min(10, slot - this.#slot);
      for (let i = 1; i <= gap; i++) {
        const k = (((this.#slot + i) % 10) + 10) % 10;
        this.#calls[k] = 0;
        this.#errors[k] = 0;
      }
      this.#slot = slot;
    }
    const k = ((slot % 10) + 10) % 10;
    this.#calls[k]! += 1;
    if (!failed) return null;
    this.#errors[k]! += 1;
    let calls = 0;
    let errors = 0;
    for (let i = 0; i < 10; i++) {
      calls += this.#calls[i]!;
      errors += this.#errors[i]!;
    }
    return { calls, errors };
  }

  reset(): void {
    this.#calls.fill(0);
    this.#errors.fill(0);
  }
}

/** Whether the window's figures are a burst beyond the policy. */
export const isBurst = (
  w: { calls: number; errors: number },
  policy: { readonly burst_errors: number; readonly burst_error_rate: number },
): boolean =>
  policy.burst_errors > 0 && w.errors >= policy.burst_errors && w.errors >= policy.burst_error_rate * w.calls;
