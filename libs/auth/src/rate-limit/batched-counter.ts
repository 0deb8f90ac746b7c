import type { Clock } from '@hotswap/contracts';
import type { CounterState, RateLimitRepository } from './rate-limit.repository';

/**
 * Below this share of its limit a caller's hits are counted here and written in batches; from it on,
 * every hit is counted in PostgreSQL at once, so the decisions that matter (near and over the limit)
 * see every replica's hits.
 */
export const BATCHED_SHARE = 0.5;
/** How long hits counted here wait before they are written (and the other replicas' hits read back). */
export const FLUSH_INTERVAL_MS = 100;

/** A caller's window as this replica knows it. */
interface Window {
  /** When the window ends (ms since the epoch), as the shared counter row says. */
  end: number;
  /** The shared count as last read, which includes every hit of this replica written so far. */
  known: number;
  /** Hits counted here and not written yet. */
  pending: number;
}

export interface BatchedCounterOptions {
  readonly flushIntervalMs?: number;
  /** Called when a batch could not be written (its hits are kept and written with the next one). */
  readonly onFlushError?: (error: unknown) => void;
}

/**
 * Per-replica pre-aggregation of the shared fixed-window counters (DR-10, DR-41). A caller's first
 * hit of a window on this replica is counted in PostgreSQL at once (which also reads what the other
 * replicas counted); while the count stays under {@link BATCHED_SHARE} of the limit, further hits are
 * counted here and written together every {@link FLUSH_INTERVAL_MS} in one statement for all callers,
 * whose answer brings the other replicas' hits back; from that share on, every hit is written at once
 * again, with the ones still waiting. So a request far from its limit costs no round trip, and the
 * budget is still shared by every replica: a caller can exceed it only by what the other replicas
 * count during one flush interval after the caller passed half of it.
 */
export class BatchedCounter {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly flushIntervalMs: number;

  constructor(
    private readonly repository: RateLimitRepository,
    private readonly clock: Clock,
    private readonly options: BatchedCounterOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
  }

  /** Counts one hit of `key` against `limit` per `windowMs`; the count so far and the window's end. */
  async hit(key: string, windowMs: number, limit: number): Promise<CounterState> {
    const now = this.clock.now().getTime();
    const window = this.windows.get(key);
    if (
      window !== undefined &&
      window.end > now &&
      window.known + window.pending + 1 < limit * BATCHED_SHARE
    ) {
      window.pending += 1;
      this.schedule();
      return { hits: window.known + window.pending, expiresAt: new Date(window.end) };
    }
    // The window's first hit here, or a count near the limit: counted in PostgreSQL now, together
    // with this replica's hits of the same window not written yet (those of an ended window are void).
    if (window !== undefined && window.end <= now) window.pending = 0;
    const carried = window?.pending ?? 0;
    if (window !== undefined) window.pending = 0;
    let count: CounterState | undefined;
    try {
      [count] = await this.repository.hitMany([{ key, hits: 1 + carried, windowMs }], new Date(now));
    } catch (error) {
      if (window !== undefined) window.pending += carried;
      throw error;
    }
    if (count === undefined) throw new Error(`rate limit upsert returned no row for ${key}`);
    this.learn(key, count);
    return count;
  }

  /** Writes every waiting hit now (the next batch would have). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // One batch at a time: the next starts when the previous one answered.
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  /** Forgets the windows that have ended (and the hits of theirs not written: they count no more). */
  prune(): void {
    const now = this.clock.now().getTime();
    for (const [key, window] of this.windows) if (window.end <= now) this.windows.delete(key);
  }

  /** Stops the timer and writes what is waiting. */
  async close(): Promise<void> {
    await this.flush();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  private async writeBatch(): Promise<void> {
    const now = this.clock.now().getTime();
    const batch: { key: string; hits: number; end: number }[] = [];
    for (const [key, window] of this.windows) {
      if (window.end <= now) {
        this.windows.delete(key);
      } else if (window.pending > 0) {
        batch.push({ key, hits: window.pending, end: window.end });
        window.pending = 0;
      }
    }
    if (batch.length === 0) return;
    try {
      const counts = await this.repository.hitMany(
        batch.map(({ key, hits, end }) => ({ key, hits, windowMs: end - now })),
        new Date(now),
      );
      batch.forEach(({ key }, i) => {
        const count = counts[i];
        if (count !== undefined) this.learn(key, count);
      });
    } catch (error) {
      // Kept, and written with the next batch (unless their window ends first).
      for (const { key, hits, end } of batch) {
        const window = this.windows.get(key);
        if (window !== undefined && window.end === end) window.pending += hits;
      }
      this.options.onFlushError?.(error);
      if (batch.some(({ end }) => end > this.clock.now().getTime())) this.schedule();
    }
  }

  /** Takes in a count PostgreSQL answered for `key`. */
  private learn(key: string, count: CounterState): void {
    const end = count.expiresAt.getTime();
    const window = this.windows.get(key);
    if (window === undefined) {
      this.windows.set(key, { end, known: count.hits, pending: 0 });
    } else if (window.end === end) {
      // Answers can arrive out of order: within a window the count only grows.
      window.known = Math.max(window.known, count.hits);
    } else if (end > window.end) {
      // A new window (or another replica's clock started it): its hits so far are what PostgreSQL says.
      window.end = end;
      window.known = count.hits;
    }
  }
}
