/**
 * Mutual exclusion per key inside one process, with a bounded wait. Advisory locks are held per
 * database session, and a session never blocks on a lock it already holds: two callers of one process
 * sharing a session (always the case on embedded PostgreSQL, which is one session underneath) would
 * both "get" the lock. So a process first takes the key locally and only then asks PostgreSQL.
 */
export class LocalMutex {
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly held = new Set<string>();

  /** Takes `key` if it is free; false (and nothing changes) when it is held. */
  tryAcquire(key: string): boolean {
    if (this.held.has(key)) return false;
    this.held.add(key);
    return true;
  }

  /** Resolves true once `key` is taken, or false after `timeoutMs` (0: do not wait). */
  acquire(key: string, timeoutMs: number): Promise<boolean> {
    if (!this.held.has(key)) {
      this.held.add(key);
      return Promise.resolve(true);
    }
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const queue = this.waiters.get(key) ?? [];
      this.waiters.set(key, queue);
      const grant = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(grant);
        if (index >= 0) queue.splice(index, 1);
        if (queue.length === 0 && this.waiters.get(key) === queue) this.waiters.delete(key);
        resolve(false);
      }, timeoutMs);
      queue.push(grant);
    });
  }

  /** Hands `key` to the next waiter, or frees it. Releasing a key that is not held does nothing. */
  release(key: string): void {
    if (!this.held.has(key)) return;
    const queue = this.waiters.get(key);
    const next = queue?.shift();
    if (queue !== undefined && queue.length === 0) this.waiters.delete(key);
    if (next === undefined) this.held.delete(key);
    else next();
  }

  isHeld(key: string): boolean {
    return this.held.has(key);
  }

  get size(): number {
    return this.held.size;
  }
}
