/**
 * The signed-in token lives in sessionStorage only: it is gone when the tab closes, and never reaches
 * localStorage, a cookie or a URL.
 */
const KEY = 'fabrica.panel.token';

export const session = {
  token(): string | null {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null; // storage disabled: the token lasts as long as the page
    }
  },
  save(token: string): void {
    try {
      sessionStorage.setItem(KEY, token);
    } catch {
      // Storage disabled: signing in still works until the page reloads.
    }
  },
  clear(): void {
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // Nothing was stored.
    }
  },
};
