interface Entry<T> {
  readonly value: T;
  readonly fetchedAt: number;
}

const MAX_ENTRIES = 10_000;

/**
 * A short-lived, per-process cache of the state that can revoke a token before it expires (session
 * revoked, user disabled, token version bumped, API token revoked). A JWT then costs one database
 * query per session per period (AUTH_STATE_CACHE_MS, default 1 s) instead of one per request.
 */
export class TtlCache {
  private readonly entries = new Map<string, Entry<unknown>>();

  constructor(private readonly ttlMs: number) {}

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = performance.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && now - hit.fetchedAt < this.ttlMs) return hit.value as T;
    const value = await load();
    if (this.ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.delete(key);
      this.entries.set(key, { value, fetchedAt: now });
    }
    return value;
  }

  /** After any change to users, sessions or tokens made by this process. */
  clear(): void {
    this.entries.clear();
  }
}
