/** A number for people: at most two decimals, thousands grouped. */
export const formatNumber = (v: number): string =>
  Number.isFinite(v)
    ? v.toLocaleString('en', { maximumFractionDigits: v !== 0 && Math.abs(v) < 1 ? 2 : 1 })
    : '—';

/** Seconds as `3 h 4 min`, `2 min 5 s`, `40 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** An RFC 3339 time in the reader's locale, or a dash. */
export const formatTime = (iso: string | null | undefined): string =>
  iso === null || iso === undefined || iso === '' ? '—' : new Date(iso).toLocaleString();
