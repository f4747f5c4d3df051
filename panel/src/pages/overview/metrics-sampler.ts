import { useEffect, useState } from 'preact/hooks';
import { toApiError, type Api, type ApiError } from '../../api';
import type { Point } from '../../components';
import { histogramOf, parseMetrics, sumOf, type Histogram } from '../../metrics-text';

export interface MetricsView {
  /** Requests answered per second between consecutive samples. */
  readonly requests: readonly Point[];
  /** Of those, answered with a status of 400 or more. */
  readonly errors: readonly Point[];
  /** `organ_build_duration_seconds` in milliseconds as of the last sample; null before the first one. */
  readonly builds: Histogram | null;
  readonly error: ApiError | null;
}

/** A histogram in seconds shown in milliseconds (bounds rounded to the microsecond: no 50.000000001 ms). */
const inMilliseconds = (h: Histogram): Histogram => ({
  buckets: h.buckets.map((b) => ({ ...b, le: Number.isFinite(b.le) ? Math.round(b.le * 1e6) / 1e3 : b.le })),
  count: h.count,
  sum: h.sum * 1000,
});

/**
 * Samples `GET /metrics` every `everyMs` (the second time after one second, so a rate shows at once)
 * and turns the HTTP counters into per-second rates, keeping the last `keep` points. A counter that went
 * down means the server restarted: that interval is skipped.
 */
export function useMetricsSampler(api: Api, everyMs = 5000, keep = 60): MetricsView {
  const [view, setView] = useState<MetricsView>({ requests: [], errors: [], builds: null, error: null });
  useEffect(() => {
    let prev: { t: number; requests: number; errors: number } | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    let first = true;
    const sample = async () => {
      try {
        const samples = parseMetrics(await api.text('/metrics'));
        const now = { t: Date.now(), requests: sumOf(samples, 'http_requests_total'), errors: 0 };
        now.errors = sumOf(samples, 'http_request_errors_total');
        const last = prev;
        prev = now;
        if (stopped) return;
        setView((v) => {
          const dt = last === null ? 0 : (now.t - last.t) / 1000;
          const fresh = last !== null && dt > 0 && now.requests >= last.requests && now.errors >= last.errors;
          const add = (points: readonly Point[], v: number) =>
            fresh ? [...points, { t: now.t, v }].slice(-keep) : points;
          return {
            requests: add(v.requests, (now.requests - (last?.requests ?? 0)) / dt),
            errors: add(v.errors, (now.errors - (last?.errors ?? 0)) / dt),
            builds: inMilliseconds(histogramOf(samples, 'organ_build_duration_seconds')),
            error: null,
          };
        });
      } catch (e) {
        if (!stopped) setView((v) => ({ ...v, error: toApiError(e) }));
      } finally {
        if (!stopped) timer = setTimeout(() => void sample(), first ? 1000 : everyMs);
        first = false;
      }
    };
    void sample();
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, [api, everyMs, keep]);
  return view;
}
