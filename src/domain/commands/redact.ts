/**
 * What looks like a secret in a command — a fabrica token, an API key, credentials in a URL — replaced
 * before the text is read, stored, logged, answered or sent to an LLM: people paste such things.
 */
const SECRETS = [
  /\bfab_[A-Za-z0-9_-]{8,}/g,
  /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}/g,
  /(?<=\/\/)[^\s/@:]+:[^\s/@]+(?=@)/g,
  /\b(?:bearer|token|password|пароль|токен)\s*[:=]?\s*\S{8,}/gi,
];

export const redactSecrets = (text: string): string =>
  SECRETS.reduce((t, re) => t.replace(re, '[redacted]'), text);
