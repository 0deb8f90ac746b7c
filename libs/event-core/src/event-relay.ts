import { setTimeout as delay } from 'node:timers/promises';
import { SILENT_LOGGER, type EventLogger } from './logger';
import type { EventReader, RecordedEvent, StreamMetrics } from './recorded-event';
import type { WakeSource } from './wake-source';

/**
 * Takes a batch (seq order). A listener that cannot keep up answers a promise: the relay reads no
 * further until it settles (the events wait in the log, not in memory).
 */
export type RelayListener = (events: readonly RecordedEvent[]) => unknown;

export interface EventRelayOptions {
  /** Catch-up poll: covers lost notifications, coalesced-away ones and reconnects. */
  readonly pollIntervalMs: number;
  readonly batchSize?: number;
}

/**
 * After a read that found events while writing transactions were running, more reads this long after
 * one another, as long as they find nothing and writers still run (a read that finds events starts
 * over): commits that skipped their NOTIFY because another transaction was notifying (DR-29) end soon
 * after it, but not always within the first 5 ms (a slow fsync), and would otherwise wait for the
 * poll. A read that saw no writing transaction running needs none: every commit it did not see will
 * notify (or leave it to a transaction whose notification comes later still).
 */
const TRAILING_READS_MS = [5, 50, 200] as const;
const FIRST_RETRY_MS = 2;
/**
 * Reads start at least this long after the previous one ended when that one found events: wake-ups
 * closer together (under load, a NOTIFY every few ms) share one read instead of each costing two
 * queries (DR-37). An event waits at most this much longer; a relay woken now and then, or right
 * after an empty read (a trailing one), reads at once.
 */
const MIN_READ_GAP_MS = 5;
/** Waiting for an older transaction of this database to end: retries back off up to this. */
const MAX_RETRY_MS = 50;

/**
 * One per replica. Keeps a cursor into the settled part of the log (DR-29), reads past it whenever
 * woken (NOTIFY, in-process nudge, poll) and hands each batch, in seq order, to local listeners.
 * Reads never overlap; wake-ups during a read make it read again. With no listener (no local
 * subscriber: e.g. an API replica while the event gateway serves the streams) it reads nothing; the
 * next listener's {@link whenCurrent} moves the cursor to the present first (DR-53).
 */
export class EventRelay {
  private readonly listeners = new Set<RelayListener>();
  private position = 0n;
  private target = 0n;
  private reading = false;
  private again = false;
  private running = false;
  private poll: NodeJS.Timeout | undefined;
  private followUp: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  /** Index of the next trailing read; past the end when no events were found lately. */
  private trailing: number = TRAILING_READS_MS.length;
  private inFlight: Promise<void> = Promise.resolve();
  /** performance.now() when the last read that found events ended. */
  private lastFoundAt = Number.NEGATIVE_INFINITY;
  /** The cursor stopped following the log (woken, or left, with no listener to read for). */
  private stale = false;
  private readonly batchSize: number;

  constructor(
    private readonly log: EventReader,
    private readonly wakeSource: WakeSource,
    private readonly options: EventRelayOptions,
    private readonly metrics?: StreamMetrics,
    private readonly logger: EventLogger = SILENT_LOGGER,
  ) {
    this.batchSize = options.batchSize ?? 250;
  }

  /** The seq up to which every event has been handed to listeners. */
  get cursor(): string {
    return this.position.toString();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.position = BigInt(await this.log.settledHead());
    this.running = true;
    await this.wakeSource.start((seq) => this.wake(seq));
    this.poll = setInterval(() => this.wake(undefined), this.options.pollIntervalMs);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.poll);
    clearTimeout(this.followUp);
    await this.wakeSource.stop();
    // A read still running finishes before the caller closes the database.
    await this.inFlight;
  }

  subscribe(listener: RelayListener): () => void {
    this.listeners.add(listener);
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.stale = true;
    };
  }

  /**
   * Resolves once the cursor follows the log: at once while listeners keep the relay reading; after a
   * spell without any, once the cursor moved to the settled head (events committed meanwhile were
   * for nobody here). Call it after subscribing and before using {@link cursor}. If that read fails,
   * it resolves anyway and the next read (the poll) moves the cursor; until then a new listener may
   * be handed events from before it subscribed, never fewer.
   */
  async whenCurrent(): Promise<void> {
    if (this.stale && this.listeners.size > 0) await this.drain();
  }

  /** Something may have been committed; `seq` (if known) is a seq that must eventually be read. */
  wake(seq: string | undefined): void {
    if (seq !== undefined && /^\d{1,19}$/.test(seq)) {
      const s = BigInt(seq);
      if (s > this.target) this.target = s;
    }
    void this.drain();
  }

  private drain(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.listeners.size === 0) {
      // Nobody here to hand events to: no read (the next listener's whenCurrent catches up).
      this.stale = true;
      return this.inFlight;
    }
    if (this.reading) {
      this.again = true;
      return this.inFlight;
    }
    this.reading = true;
    this.inFlight = this.read();
    return this.inFlight;
  }

  private async read(): Promise<void> {
    let found = false;
    let writersRunning = true;
    try {
      do {
        const wait = this.lastFoundAt + MIN_READ_GAP_MS - performance.now();
        // Wake-ups during the wait are covered by the read after it (`again` is reset below).
        if (wait > 0) await delay(wait);
        if (!this.running) break;
        this.again = false;
        if (this.stale) {
          this.position = BigInt(await this.log.settledHead());
          this.stale = false;
        }
        for (;;) {
          const read = await this.log.relayBatch(this.cursor, this.batchSize);
          writersRunning = read.writersRunning;
          const batch = read.events;
          const last = batch[batch.length - 1];
          if (last === undefined) break;
          found = true;
          this.position = BigInt(last.seq);
          await this.publish(batch);
          this.lastFoundAt = performance.now();
          if (batch.length < this.batchSize) break;
        }
      } while (this.again && this.running);
    } catch (error) {
      this.logger.warn({ msg: 'event relay read failed; the poll retries', err: error });
    } finally {
      this.reading = false;
    }
    if (!this.running) return;
    clearTimeout(this.followUp);
    if (this.target > this.position) {
      // Notified but not settled yet: an older transaction of this database is still running.
      this.followUp = setTimeout(() => void this.drain(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS, this.options.pollIntervalMs);
    } else {
      this.retryMs = FIRST_RETRY_MS;
      if (!writersRunning) this.trailing = TRAILING_READS_MS.length;
      else if (found) this.trailing = 0;
      const next = TRAILING_READS_MS[this.trailing];
      if (next !== undefined) {
        this.trailing++;
        this.followUp = setTimeout(() => void this.drain(), next);
      }
    }
    this.followUp?.unref();
  }

  private async publish(batch: readonly RecordedEvent[]): Promise<void> {
    if (this.metrics !== undefined) for (const e of batch) this.metrics.published.inc({ type: e.type });
    const held: Promise<unknown>[] = [];
    for (const listener of this.listeners) {
      try {
        const answer = listener(batch);
        if (answer instanceof Promise) held.push(answer as Promise<unknown>);
      } catch (error) {
        this.logger.error({ msg: 'event listener failed', err: error });
      }
    }
    if (held.length > 0) await Promise.all(held);
  }
}
