import type { EventPayloads, EventSubject, EventType } from '@hotswap/contracts';

export interface RecordedEvent<T extends EventType = EventType> {
  readonly seq: string;
  readonly type: T;
  readonly at: Date;
  readonly subject: EventSubject;
  readonly payload: EventPayloads[T];
}

/** What a read of the log may be narrowed to (all given conditions hold). */
export interface EventQuery {
  /** Exact types; undefined means every type. */
  readonly types?: readonly EventType[];
  readonly deploymentId?: string;
  readonly environment?: string;
}

export interface RelayBatch {
  readonly events: RecordedEvent[];
  readonly writersRunning: boolean;
}

/** The read side of the event log that relays and streams need (the API's EventLog, the gateway's reader). */
export interface EventReader {
  /** Settled events after `sinceSeq`, in seq order. */
  since(sinceSeq: string, limit?: number, query?: EventQuery): Promise<RecordedEvent[]>;
  /**
   * {@link since} for a relay: also whether a writing transaction of the log's database was still
   * running when the settled part was bounded — only then can a commit that left the notifying to
   * another one (DR-29) still arrive without a notification of its own.
   */
  relayBatch(sinceSeq: string, limit: number): Promise<RelayBatch>;
  /** The highest settled seq (or the pruned watermark for an empty log): where a new reader starts. */
  settledHead(): Promise<string>;
  /** Every event up to this seq may have been pruned; a cursor below it cannot be replayed. */
  prunedThrough(): Promise<string>;
}

/** Subscriber counts and delivery times, by transport (prom-client metrics in the API). */
export type StreamTransport = 'sse' | 'ws';

export interface StreamMetrics {
  readonly published: { inc(labels: { type: string }): void };
  readonly subscribers: {
    inc(labels: { transport: StreamTransport }): void;
    dec(labels: { transport: StreamTransport }): void;
  };
  readonly delivery: { labels(labels: { transport: StreamTransport }): { observe(value: number): void } };
}
