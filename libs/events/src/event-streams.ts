import { Logger } from '@nestjs/common';
import type { Principal } from '@hotswap/contracts';
import type { EventLog, RecordedEvent } from './event-log';
import type { StreamFilter } from './event-access';
import type { EventRelay } from './event-relay';
import type { EventMetrics, StreamTransport } from './events.metrics';

/**
 * One committed event as clients get it, serialized once per relay batch whatever the number of
 * subscribers: `data` is the subject ids plus the catalogue payload.
 */
export class WireEvent {
  private sseFrame: Buffer | undefined;
  private jsonTail: string | undefined;
  private readonly wsFrames = new Map<string, Buffer>();
  readonly seqNumber: bigint;

  constructor(readonly event: RecordedEvent) {
    this.seqNumber = BigInt(event.seq);
  }

  get data(): Record<string, unknown> {
    const { subject } = this.event;
    const ids: Record<string, string> = {};
    if (subject.deploymentId !== undefined) ids.deploymentId = subject.deploymentId;
    if (subject.environment !== undefined) ids.environment = subject.environment;
    if (subject.nodeId !== undefined) ids.nodeId = subject.nodeId;
    if (subject.moduleName !== undefined) ids.moduleName = subject.moduleName;
    return { ...ids, ...(this.event.payload as unknown as Record<string, unknown>) };
  }

  /** `"seq":…,"type":…,"at":…,"data":{…}}` — the end of every JSON form of the event. */
  get tail(): string {
    this.jsonTail ??= `${JSON.stringify({
      seq: this.event.seq,
      type: this.event.type,
      at: this.event.at.toISOString(),
      data: this.data,
    }).slice(1)}`;
    return this.jsonTail;
  }

  /** The SSE frame, encoded once for every subscriber. */
  get sse(): Buffer {
    this.sseFrame ??= Buffer.from(
      `id: ${this.event.seq}\nevent: ${this.event.type}\ndata: {${this.tail}\n\n`,
    );
    return this.sseFrame;
  }

  /** The WebSocket message for subscription `id` (events spec §3), encoded once per distinct id. */
  ws(id: string): Buffer {
    const frame = this.wsFrame(id);
    return frame.subarray(wsHeaderLength(frame));
  }

  /**
   * The whole WebSocket frame (unmasked server-to-client text frame: header and message) for
   * subscription `id`, built once per distinct id so that every subscriber gets one ready-made
   * buffer and one socket write.
   */
  wsFrame(id: string): Buffer {
    let frame = this.wsFrames.get(id);
    if (frame === undefined) {
      frame = textFrame(Buffer.from(`{"op":"event","subscription":${JSON.stringify(id)},${this.tail}`));
      if (this.wsFrames.size < 64) this.wsFrames.set(id, frame);
    }
    return frame;
  }
}

/** A final, unmasked WebSocket text frame (RFC 6455 §5.2) carrying `payload`. */
function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + n);
  frame[0] = 0x81;
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, header);
  return frame;
}

function wsHeaderLength(frame: Buffer): number {
  const n = frame[1]! & 0x7f;
  return n < 126 ? 2 : n === 126 ? 4 : 10;
}

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

/** One subscriber: filters, de-duplicates across the replay/live hand-over, bounds its buffer. */
export class StreamSubscription {
  lastSeq = 0n;
  /** Live events that arrived during the replay, sent once it ends. */
  pending: WireEvent[] | undefined = [];
  closed = false;

  constructor(
    readonly owner: string,
    readonly filter: StreamFilter,
    readonly sink: StreamSink,
    private readonly maxBuffered: number,
    private readonly deliveries: DeliveryTimes | undefined,
    private readonly onClose: (s: StreamSubscription) => void,
  ) {}

  matches(event: RecordedEvent): boolean {
    if (!this.filter.types.has(event.type)) return false;
    if (this.filter.deploymentId !== undefined && event.subject.deploymentId !== this.filter.deploymentId)
      return false;
    if (this.filter.environment !== undefined && event.subject.environment !== this.filter.environment)
      return false;
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

  constructor(private readonly metrics: EventMetrics) {}

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
  private readonly logger = new Logger('EventStreams');
  private readonly subscriptions = new Set<StreamSubscription>();
  private readonly perOwner = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private readonly deliveries: DeliveryTimes | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly relay: EventRelay,
    private readonly options: EventStreamsOptions,
    private readonly metrics?: EventMetrics,
  ) {
    this.deliveries = metrics === undefined ? undefined : new DeliveryTimes(metrics);
  }

  start(): void {
    this.unsubscribe = this.relay.subscribe((batch) => this.fanOut(batch));
  }

  stop(): void {
    this.unsubscribe?.();
    for (const s of [...this.subscriptions]) {
      s.sink.shutdown();
      s.close();
    }
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

  private fanOut(batch: readonly RecordedEvent[]): void {
    if (this.subscriptions.size === 0) return;
    const wires = batch.map((event) => new WireEvent(event));
    for (const subscription of [...this.subscriptions]) {
      if (!subscription.checkBuffer()) continue;
      try {
        subscription.offer(wires);
      } catch (error) {
        this.logger.warn({ msg: 'event stream write failed; closing it', err: error });
        subscription.close();
      }
    }
    this.deliveries?.flush();
  }

  private forget(subscription: StreamSubscription): void {
    if (!this.subscriptions.delete(subscription)) return;
    this.metrics?.subscribers.dec({ transport: subscription.sink.transport });
    const count = (this.perOwner.get(subscription.owner) ?? 1) - 1;
    if (count <= 0) this.perOwner.delete(subscription.owner);
    else this.perOwner.set(subscription.owner, count);
  }
}

function ownerOf(principal: Principal): string {
  const userId = (principal as { userId?: unknown }).userId;
  return typeof userId === 'string' ? userId : principal.id;
}
