import type { TokenStore } from '../src/logic/session';

/** sessionStorage as the logic sees it, in memory. */
export class MemoryStore implements TokenStore {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}
