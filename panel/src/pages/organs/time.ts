// One formatter for every row: building a new one per call costs more than the rest of a row.
const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** An RFC 3339 time in the reader's locale, or a dash. */
export const shortTime = (iso: string | null | undefined): string =>
  iso === null || iso === undefined || iso === '' ? '—' : FORMAT.format(new Date(iso));
