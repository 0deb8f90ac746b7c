import type { Principal } from '@hotswap/contracts';
import type { StreamFilter } from './event-access';
import type { EventRelay } from './event-relay';
import { SILENT_LOGGER, type EventLogger } from './logger';
import type { EventReader, RecordedEvent, StreamMetrics, StreamTransport } from './recorded-event';
import { WireEvent } from './wire-event';

/** Where a stream writes: an SSE response or a WebSocket subscription. */
export interface StreamSink {
  readonly transport: StreamTransport;
  /** Events of one relay batch (or replay page) for this subscriber, in seq order: one write. */
  send(events: readonly WireEvent[]): void;
  /** Bytes accepted but not yet written to the socket. */
  buffered(): number;
  resync(): void;
  /** Final message, then the stream closes. */
  overflow(): void;
  /** The server is stopping: close the stream. */
  shutdown(): void;
}

export interface OpenStream {
  readonly principal: Principal;
  readonly filter: StreamFilter;
  /** Replay after this seq (Last-Event-ID / since), then live; undefined means live only. */
  readonly since?: string;
  readonly sink: StreamSink;
}

export class TooManyStreamsError extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} open event streams per user`);
  }
}

const REPLAY_PAGE = 1_000;
/**
 * Subscribers written to per turn of the event loop: between turns the replica takes in what came
 * meanwhile (the next notification and its read, new clients), so the next batch is read while this
 * one still goes out, not after it (DR-55).
 */
const FAN_OUT_CHUNK = 256;
/**
 * Batches waiting for the fan-out at most before the relay is held back (it then reads no further
 * until the fan-out catches up): a replica that cannot keep up leaves the events in the log rather
 * than piling them up in memory.
 */
const MAX_WAITING_BATCHES = 2;

/** One subscriber: filters, de-duplicates across the replay/live hand-over, bounds its buffer. */
export class StreamSubscription {
  lastSeq = 0n;
  /** Live events that arrived during the replay, sent once it ends. */
  pending: WireEvent[] | undefined = [];
  closed = false;
  /** The filter's environment, lower-cased: environment names are case-insensitive, as over REST. */
  private readonly environment: string | undefined;

  constructor(
    readonly owner: string,
    readonly filter: StreamFilter,
    readonly sink: StreamSink,
    private readonly maxBuffered: number,
    private readonly deliveries: DeliveryTimes | undefined,
    private readonly onClose: (s: StreamSubscription) => void,
  ) {
    this.environment = filter.environment?.toLowerCase();
  }

  matches(event: RecordedEvent): boolean {
    if (!this.filter.types.has(event.type)) return false;
    if (this.filter.deploymentId !== undefined && event.subject.deploymentId !== this.filter.deploymentId)
      return false;
    if (this.environment !== undefined) {
      const environment = event.subject.environment;
      if (
        environment === undefined ||
        (environment !== this.filter.environment && environment.toLowerCase() !== this.environment)
      )
        return false;
    }
    return true;
  }

  /** The events of a relay batch (seq order): the matching ones go out in one write. */
  offer(events: readonly WireEvent[]): void {
    if (this.closed) return;
    let matching = 0;
    for (const e of events) if (this.matches(e.event)) matching++;
    if (matching === 0) return;
    const mine = matching === events.length ? events : events.filter((e) => this.matches(e.event));
    if (this.pending !== undefined) {
      this.pending.push(...mine);
      if (this.pending.length > 100_000) this.overflow();
      return;
    }
    this.emit(mine);
  }

  /** Sends the events (seq order) not sent yet. */
  emit(events: readonly WireEvent[]): void {
    if (this.closed) return;
    const lastSeq = this.lastSeq;
    const fresh =
      events[0] !== undefined && events[0].seqNumber > lastSeq
        ? events
        : events.filter((e) => e.seqNumber > lastSeq);
    const last = fresh[fresh.length - 1];
    if (last === undefined) return;
    this.lastSeq = last.seqNumber;
    this.sink.send(fresh);
    if (this.deliveries !== undefined) {
      const now = Date.now();
      for (const e of fresh) this.deliveries.add(this.sink.transport, (now - e.event.at.getTime()) / 1000);
    }
  }

  /**
   * Checked before each batch (a batch is written in one tick and may pass the bound by itself): a
   * client still holding more than the bound then has not been reading since the last batch.
   */
  checkBuffer(): boolean {
    if (this.closed) return false;
    if (this.sink.buffered() <= this.maxBuffered) return true;
    this.overflow();
    return false;
  }

  overflow(): void {
    if (this.closed) return;
    this.sink.overflow();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.onClose(this);
  }
}

/**
 * Hand-off times gathered during a fan-out and recorded in the delivery histogram after it, so the
 * metric's bookkeeping does not delay the subscribers later in the loop.
 */
class DeliveryTimes {
  private readonly sse: number[] = [];
  private readonly ws: number[] = [];

  constructor(private readonly metrics: StreamMetrics) {}

  add(transport: StreamTransport, seconds: number): void {
    this[transport].push(seconds);
  }

  flush(): void {
    for (const transport of ['sse', 'ws'] as const) {
      const times = this[transport];
      if (times.length === 0) continue;
      const child = this.metrics.delivery.labels({ transport });
      for (const t of times) child.observe(t);
      times.length = 0;
    }
  }
}

export interface EventStreamsOptions {
  readonly clientBufferBytes: number;
  readonly maxStreamsPerUser: number;
}

/**
 * The replica's subscribers. Relay batches fan out to every matching subscription; a new stream
 * with a cursor replays from the log (exactly once, in order) before it goes live.
 */
export class EventStreams {
  private readonly subscriptions = new Set<StreamSubscription>();
  private readonly perOwner = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private started = false;
  /** Relay batches (encoded) waiting for the fan-out of the ones before them, in seq order. */
  private readonly outgoing: WireEvent[][] = [];
  private fanningOut = false;
  /** Relay reads held back until the queue is short again. */
  private held: (() => void)[] = [];
  private readonly deliveries: DeliveryTimes | undefined;

  constructor(
    private readonly log: EventReader,
    private readonly relay: EventRelay,
    private readonly options: EventStreamsOptions,
    private readonly metrics?: StreamMetrics,
    private readonly logger: EventLogger = SILENT_LOGGER,
  ) {
    this.deliveries = metrics === undefined ? undefined : new DeliveryTimes(metrics);
  }

  start(): void {
    this.started = true;
    if (this.subscriptions.size > 0) this.listen();
  }

  /** Relay batches come in while this replica has subscribers (an idle relay reads nothing). */
  private listen(): void {
    this.unsubscribe ??= this.relay.subscribe((batch) => this.fanOut(batch));
  }

  stop(): void {
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const s of [...this.subscriptions]) {
      s.sink.shutdown();
      s.close();
    }
    this.release();
  }

  get size(): number {
    return this.subscriptions.size;
  }

  /** Opens a stream; resolves once its replay was sent (it is live from then on). */
  async open(request: OpenStream): Promise<StreamSubscription> {
    const owner = ownerOf(request.principal);
    const count = this.perOwner.get(owner) ?? 0;
    if (count >= this.options.maxStreamsPerUser)
      throw new TooManyStreamsError(this.options.maxStreamsPerUser);
    const subscription = new StreamSubscription(
      owner,
      request.filter,
      request.sink,
      this.options.clientBufferBytes,
      this.deliveries,
      (s) => this.forget(s),
    );
    this.perOwner.set(owner, count + 1);
    this.subscriptions.add(subscription);
    this.metrics?.subscribers.inc({ transport: request.sink.transport });
    try {
      if (this.started) {
        this.listen();
        await this.relay.whenCurrent();
      }
      await this.replay(subscription, request.since);
    } catch (error) {
      subscription.close();
      throw error;
    }
    return subscription;
  }

  private async replay(subscription: StreamSubscription, since: string | undefined): Promise<void> {
    let cursor: string;
    if (since === undefined) {
      cursor = this.relay.cursor;
    } else {
      cursor = since;
      const pruned = await this.log.prunedThrough();
      if (BigInt(since) < BigInt(pruned)) {
        // The events after the cursor are partly gone: say so, then continue from the present.
        subscription.sink.resync();
        cursor = await this.log.settledHead();
      } else {
        for (;;) {
          if (subscription.closed) return;
          const page = await this.log.since(cursor, REPLAY_PAGE, {
            types: [...subscription.filter.types],
            deploymentId: subscription.filter.deploymentId,
            environment: subscription.filter.environment,
          });
          if (!subscription.checkBuffer()) return;
          subscription.emit(page.map((event) => new WireEvent(event)));
          this.deliveries?.flush();
          const last = page[page.length - 1];
          if (last !== undefined) cursor = last.seq;
          if (page.length < REPLAY_PAGE) break;
        }
      }
    }
    if (subscription.closed) return;
    if (BigInt(cursor) > subscription.lastSeq) subscription.lastSeq = BigInt(cursor);
    const pending = subscription.pending ?? [];
    subscription.pending = undefined;
    subscription.emit(pending);
    this.deliveries?.flush();
  }

  private fanOut(batch: readonly RecordedEvent[]): Promise<void> | undefined {
    if (this.subscriptions.size === 0) return undefined;
    this.outgoing.push(batch.map((event) => new WireEvent(event)));
    if (!this.fanningOut) this.sendOutgoing();
    if (this.outgoing.length < MAX_WAITING_BATCHES) return undefined;
    return new Promise((resolve) => this.held.push(resolve));
  }

  /**
   * Writes the waiting batches to every subscriber, one batch after another (each subscriber gets them
   * in seq order), {@link FAN_OUT_CHUNK} subscribers per turn. The set itself is iterated, not a copy:
   * a subscription closed meanwhile (overflow, a failed write) is deleted from it, which iteration
   * allows; one added meanwhile is reached too, and its replay hand-over drops what it already has.
   */
  private sendOutgoing(): void {
    this.fanningOut = true;
    let wires = this.outgoing.shift();
    let subscriptions = this.subscriptions.values();
    const turn = (): void => {
      let written = 0;
      while (wires !== undefined) {
        for (let next = subscriptions.next(); !next.done; next = subscriptions.next()) {
          this.offer(next.value, wires);
          if (++written === FAN_OUT_CHUNK) {
            setImmediate(turn);
            return;
          }
        }
        this.deliveries?.flush();
        wires = this.outgoing.shift();
        subscriptions = this.subscriptions.values();
        if (this.outgoing.length < MAX_WAITING_BATCHES) this.release();
      }
      this.fanningOut = false;
    };
    turn();
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve();
  }

  private offer(subscription: StreamSubscription, wires: readonly WireEvent[]): void {
    if (!subscription.checkBuffer()) return;
    try {
      subscription.offer(wires);
    } catch (error) {
      this.logger.warn({ msg: 'event stream write failed; closing it', err: error });
      subscription.close();
    }
  }

  private forget(subscription: StreamSubscription): void {
    if (!this.subscriptions.delete(subscription)) return;
    this.metrics?.subscribers.dec({ transport: subscription.sink.transport });
    if (this.subscriptions.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
    const count = (this.perOwner.get(subscription.owner) ?? 1) - 1;
    if (count <= 0) this.perOwner.delete(subscription.owner);
    else this.perOwner.set(subscription.owner, count);
  }
}

function ownerOf(principal: Principal): string {
  const userId = (principal as { userId?: unknown }).userId;
  return typeof userId === 'string' ? userId : principal.id;
}
