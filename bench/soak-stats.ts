export interface Sample {
  readonly t_s: number;
  readonly rss_mb: number;
  /** The server's CPU time so far (user + system), seconds. */
  readonly cpu_s?: number;
  /** Requests sent so far. */
  readonly requests?: number;
  readonly heap_mb: number;
  readonly heap_total_mb?: number;
  readonly external_mb?: number;
  readonly brk_mb?: number;
  readonly anon_mmap_mb?: number;
  readonly file_mb?: number;
  readonly shmem_mb?: number;
  /** Runs in the server's run cache (`fabrica_run_cache_runs`). */
  readonly run_cache?: number;
  /** V8's old space: live-and-garbage bytes in use, and committed. */
  readonly old_used_mb?: number;
  readonly old_total_mb?: number;
  /** V8's committed code, young-generation and large-object spaces. */
  readonly code_total_mb?: number;
  readonly new_total_mb?: number;
  readonly large_total_mb?: number;
}

export interface LineFit {
  /** Least-squares slope, in y units per x unit. */
  readonly slope: number;
  /** Its standard error. */
  readonly slopeSe: number;
  /** Standard deviation of the points around the line: the noise. */
  readonly residualSd: number;
  /** slope × the x span: how much the line rose over the window. */
  readonly rise: number;
  /**
   * Flat when the rise over the window is within twice the noise (a growth that would matter over a
   * day shows as a rise well above the sample-to-sample noise even in ten minutes), or when the slope
   * is not told apart from zero (|slope| < 2 standard errors).
   */
  readonly flat: boolean;
}

/** Ordinary least squares over (x, y) points; NaN points are dropped. */
export function fitLine(points: readonly (readonly [number, number])[]): LineFit {
  const p = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const n = p.length;
  if (n < 3) return { slope: NaN, slopeSe: NaN, residualSd: NaN, rise: NaN, flat: false };
  const mx = p.reduce((a, [x]) => a + x, 0) / n;
  const my = p.reduce((a, [, y]) => a + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of p) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  const slope = sxy / sxx;
  const ss = p.reduce((a, [x, y]) => a + (y - (my + slope * (x - mx))) ** 2, 0);
  const residualSd = Math.sqrt(ss / (n - 2));
  const slopeSe = residualSd / Math.sqrt(sxx);
  const span = p[n - 1]![0] - p[0]![0];
  const rise = slope * span;
  return { slope, slopeSe, residualSd, rise, flat: rise <= 2 * residualSd || Math.abs(slope) < 2 * slopeSe };
}
