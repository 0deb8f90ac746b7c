interface Pending<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface BatchWriterOptions<T> {
  /** Writes one batch (one round trip or one transaction). */
  readonly write: (items: T[]) => Promise<void>;
  /** Longest an item waits before its batch is written. */
  readonly flushIntervalMs: number;
  /** A batch this large is written at once, without waiting for the interval. */
  readonly maxBatch: number;
  /** Called with the error of a failed batch (its items' promises reject too). */
  readonly onError?: (error: unknown, size: number) => void;
}

/**
 * Coalesces many small writes into few large ones: items are buffered and written together at most
 * `flushIntervalMs` after the first one arrived, or as soon as `maxBatch` are waiting. One batch is
 * written at a time (the next waits), so a slow database makes batches bigger, not more numerous.
 * Each `add` resolves when its batch is committed.
 */
export class BatchWriter<T> {
  private pending: Pending<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: BatchWriterOptions<T>) {}

  get size(): number {
    return this.pending.length;
  }

  add(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the batch writer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
    });
  }

  /** Writes everything buffered now (after the batch being written, if any). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing !== undefined) await this.writing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writeBatch(batch);
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
    // Items that arrived while writing wait for their own timer or the next flush.
    if (this.pending.length > 0 && this.timer === undefined) {
      if (this.pending.length >= this.options.maxBatch) void this.flush();
      else this.timer = setTimeout(() => void this.flush(), this.options.flushIntervalMs);
    }
  }

  /** Writes what is buffered, then refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async writeBatch(batch: Pending<T>[]): Promise<void> {
    try {
      await this.options.write(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (error) {
      this.options.onError?.(error, batch.length);
      for (const p of batch) p.reject(error);
    }
  }
}
