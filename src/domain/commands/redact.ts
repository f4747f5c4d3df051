/**
 * What looks like a secret in a command — a fabrica token, an API key, credentials in a URL — replaced
 * before the text is read, stored, logged, answered or sent to an LLM: people paste such things.
 */
const SECRETS = [
  /\bfab_[A-Za-z0-9_-]{8,}/g,
  /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}/g,
  /(?<=\/\/)[^\s/@:]+:[^\s/@]+(?=@)/g,
  // Not `\b`: it only knows ASCII letters, so `\bпароль` never matched after a space or at the start.
  /(?<![\p{L}\p{N}_])(?:bearer|token|password|пароль|токен)\s*[:=]?\s*\S{8,}/giu,
];

export const redactSecrets = (text: string): string =>
  SECRETS.reduce((t, re) => t.replace(re, '[redacted]'), text);
