import { Role, type EventType, type Principal } from '@hotswap/contracts';
import {
  EventStreams,
  resolveFilter,
  TooManyStreamsError,
  type EventQuery,
  type EventRelay,
  type RecordedEvent,
  type RelayBatch,
  type RelayListener,
  type StreamFilter,
  type StreamSink,
  type WireEvent,
} from '@hotswap/event-core';
import { Registry } from 'prom-client';
import { EventMetrics } from './events.metrics';

function event(seq: number, type: EventType = 'deployment.progress', environment = 'qa'): RecordedEvent {
  return { seq: String(seq), type, at: new Date(), subject: { environment }, payload: {} as never };
}

class FakeLog {
  constructor(
    public rows: RecordedEvent[],
    public pruned = '0',
  ) {}
  onRead: (() => void) | undefined;
  since(after: string, limit: number, query: EventQuery): Promise<RecordedEvent[]> {
    this.onRead?.();
    return Promise.resolve(
      this.rows
        .filter((e) => BigInt(e.seq) > BigInt(after))
        .filter((e) => query.types === undefined || query.types.includes(e.type))
        .filter((e) => query.environment === undefined || e.subject.environment === query.environment)
        .slice(0, limit),
    );
  }
  async relayBatch(after: string, limit: number): Promise<RelayBatch> {
    return { events: await this.since(after, limit, {}), writersRunning: false };
  }
  prunedThrough(): Promise<string> {
    return Promise.resolve(this.pruned);
  }
  settledHead(): Promise<string> {
    return Promise.resolve(this.rows[this.rows.length - 1]?.seq ?? '0');
  }
}

class FakeRelay {
  listener: RelayListener | undefined;
  cursor = '0';
  subscribe(listener: RelayListener): () => void {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
  /** What the streams asked of the relay, in order. */
  readonly calls: string[] = [];
  whenCurrent(): Promise<void> {
    this.calls.push(`whenCurrent with listener: ${this.listener !== undefined}`);
    return Promise.resolve();
  }
  publish(events: RecordedEvent[]): unknown {
    this.cursor = events[events.length - 1]!.seq;
    return this.listener?.(events);
  }
}

class RecordingSink implements StreamSink {
  readonly transport = 'sse' as const;
  readonly sent: string[] = [];
  readonly writes: string[][] = [];
  readonly control: string[] = [];
  backlog = 0;
  send(events: readonly WireEvent[]): void {
    this.writes.push(events.map((e) => e.event.seq));
    for (const e of events) this.sent.push(e.event.seq);
  }
  buffered(): number {
    return this.backlog;
  }
  resync(): void {
    this.control.push('resync');
  }
  overflow(): void {
    this.control.push('overflow');
  }
  shutdown(): void {
    this.control.push('shutdown');
  }
}

const viewer: Principal = { id: 'u1', kind: 'user', roles: [Role.Viewer] };
function filter(types: string[], environment?: string): StreamFilter {
  const result = resolveFilter({ types, environment }, viewer.roles);
  if (!result.ok) throw new Error('bad filter');
  return result.filter;
}

function setup(rows: RecordedEvent[], pruned = '0', maxStreamsPerUser = 5) {
  const log = new FakeLog(rows, pruned);
  const relay = new FakeRelay();
  const streams = new EventStreams(log, relay as unknown as EventRelay, {
    clientBufferBytes: 1_000,
    maxStreamsPerUser,
  });
  streams.start();
  return { log, relay, streams };
}

describe('EventStreams', () => {
  it('replays after the cursor, then hands over to live events with nothing repeated or skipped', async () => {
    const { log, relay, streams } = setup([event(1), event(2), event(3)]);
    relay.cursor = '3';
    const sink = new RecordingSink();
    // Live events arrive while the replay is being read (some of them also in the replay).
    log.onRead = () => {
      log.onRead = undefined;
      log.rows.push(event(4));
      relay.publish([event(4)]);
      relay.publish([event(5)]);
      log.rows.push(event(5));
    };
    await streams.open({ principal: viewer, filter: filter(['deployment.*']), since: '1', sink });
    relay.publish([event(6)]);
    expect(sink.sent).toEqual(['2', '3', '4', '5', '6']);
  });

  it('applies type and subject filters to replay and live events', async () => {
    const { relay, streams } = setup([
      event(1, 'node.status_changed'),
      event(2, 'deployment.progress', 'prod'),
    ]);
    const sink = new RecordingSink();
    await streams.open({ principal: viewer, filter: filter(['deployment.*'], 'qa'), since: '0', sink });
    relay.publish([event(3, 'node.registered'), event(4, 'deployment.progress', 'prod'), event(5)]);
    expect(sink.sent).toEqual(['5']);
  });

  it('matches live events to the environment filter case-insensitively, as REST names environments', async () => {
    const { relay, streams } = setup([]);
    const lower = new RecordingSink();
    const upper = new RecordingSink();
    await streams.open({ principal: viewer, filter: filter(['deployment.*'], 'development'), sink: lower });
    await streams.open({ principal: viewer, filter: filter(['deployment.*'], 'DEVELOPMENT'), sink: upper });
    relay.publish([
      event(1, 'deployment.progress', 'Development'),
      event(2, 'deployment.progress', 'development'),
      event(3, 'deployment.progress', 'Developments'),
      { ...event(4), subject: {} },
      event(5, 'deployment.progress', 'QA'),
    ]);
    expect(lower.sent).toEqual(['1', '2']);
    expect(upper.sent).toEqual(['1', '2']);
  });

  it('sends resync first for a cursor older than the retained events', async () => {
    const { relay, streams } = setup([event(10), event(11)], '9');
    const sink = new RecordingSink();
    await streams.open({ principal: viewer, filter: filter(['*']), since: '5', sink });
    relay.publish([event(12)]);
    expect(sink.control).toEqual(['resync']);
    expect(sink.sent).toEqual(['12']);
  });

  it('closes a client whose backlog is over the bound with overflow, and keeps serving the others', async () => {
    const { relay, streams } = setup([]);
    const slow = new RecordingSink();
    const fast = new RecordingSink();
    await streams.open({ principal: viewer, filter: filter(['*']), sink: slow });
    await streams.open({ principal: viewer, filter: filter(['*']), sink: fast });
    relay.publish([event(1)]);
    slow.backlog = 5_000;
    relay.publish([event(2)]);
    relay.publish([event(3)]);
    expect(slow.control).toEqual(['overflow']);
    expect(slow.sent).toEqual(['1']);
    expect(fast.sent).toEqual(['1', '2', '3']);
    expect(streams.size).toBe(1);
  });

  it('writes the matching events of a relay batch to each subscriber at once, encoded once for all', async () => {
    const { relay, streams } = setup([]);
    const qa = new RecordingSink();
    const all = new RecordingSink();
    await streams.open({ principal: viewer, filter: filter(['deployment.*'], 'qa'), sink: qa });
    await streams.open({ principal: viewer, filter: filter(['*']), sink: all });
    relay.publish([event(1), event(2, 'deployment.progress', 'prod'), event(3), event(4, 'node.registered')]);
    relay.publish([event(5, 'node.registered')]);
    expect(qa.writes).toEqual([['1', '3']]);
    expect(all.writes).toEqual([['1', '2', '3', '4'], ['5']]);
    // Every subscriber gets the same encoded bytes, not an encoding of its own.
    const frames = new Set<Buffer>();
    const probe = new RecordingSink();
    probe.send = (events) => void frames.add(events[0]!.sse);
    const probe2 = new RecordingSink();
    probe2.send = (events) => void frames.add(events[0]!.sse);
    await streams.open({ principal: viewer, filter: filter(['*']), sink: probe });
    await streams.open({ principal: viewer, filter: filter(['*']), sink: probe2 });
    relay.publish([event(6)]);
    expect(frames.size).toBe(1);
  });

  it('records one delivery time per event and subscriber, by transport, once the fan-out is done', async () => {
    const registry = new Registry();
    const metrics = EventMetrics.standalone(registry);
    const relay = new FakeRelay();
    const streams = new EventStreams(
      new FakeLog([]),
      relay as unknown as EventRelay,
      {
        clientBufferBytes: 1_000,
        maxStreamsPerUser: 5,
      },
      metrics,
    );
    streams.start();
    const counted = async (): Promise<number | undefined> =>
      (await registry.getSingleMetric('hotswap_event_delivery_seconds')?.get())?.values.find(
        (v) =>
          (v as { metricName?: string }).metricName === 'hotswap_event_delivery_seconds_count' &&
          v.labels.transport === 'sse',
      )?.value;
    const sink = new RecordingSink();
    await streams.open({ principal: viewer, filter: filter(['*']), sink });
    await streams.open({ principal: viewer, filter: filter(['*']), sink: new RecordingSink() });
    relay.publish([event(1), event(2)]);
    expect(await counted()).toBe(4);
    expect(sink.sent).toEqual(['1', '2']);
  });

  it('listens to the relay only while it has subscribers, and has it catch up before a replay', async () => {
    const { log, relay, streams } = setup([event(1), event(2)]);
    expect(relay.listener).toBeUndefined();
    log.onRead = () => relay.calls.push('replay read');
    const first = await streams.open({
      principal: viewer,
      filter: filter(['deployment.*']),
      since: '0',
      sink: new RecordingSink(),
    });
    expect(relay.calls).toEqual(['whenCurrent with listener: true', 'replay read']);
    expect(relay.listener).toBeDefined();
    const second = await streams.open({
      principal: viewer,
      filter: filter(['*']),
      sink: new RecordingSink(),
    });
    first.close();
    expect(relay.listener).toBeDefined();
    second.close();
    expect(relay.listener).toBeUndefined();
    streams.stop();
  });

  it('fans out in turns of 256 subscribers, each batch after the one before for every subscriber', async () => {
    const { relay, streams } = setup([], '0', 1_000);
    const sinks = Array.from({ length: 600 }, () => new RecordingSink());
    for (const sink of sinks) await streams.open({ principal: viewer, filter: filter(['*']), sink });
    relay.publish([event(1)]);
    relay.publish([event(2), event(3)]);
    // The first turn wrote the first batch to the first 256 subscribers only.
    expect(sinks.filter((sink) => sink.sent.length > 0)).toHaveLength(256);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sinks.filter((sink) => sink.sent.length > 0)).toHaveLength(512);
    for (let turn = 0; turn < 4; turn++) await new Promise((resolve) => setImmediate(resolve));
    for (const sink of sinks) expect(sink.writes).toEqual([['1'], ['2', '3']]);
  });

  it('holds the relay back while two batches wait for the fan-out, and lets it go once they go out', async () => {
    const { relay, streams } = setup([], '0', 1_000);
    const sinks = Array.from({ length: 600 }, () => new RecordingSink());
    for (const sink of sinks) await streams.open({ principal: viewer, filter: filter(['*']), sink });
    expect(relay.publish([event(1)])).toBeUndefined();
    expect(relay.publish([event(2)])).toBeUndefined();
    const held = relay.publish([event(3)]);
    expect(held).toBeInstanceOf(Promise);
    let released = false;
    void (held as Promise<void>).then(() => (released = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(false);
    // The first batch goes out in three turns; taking up the second leaves one batch waiting.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(true);
    for (let turn = 0; turn < 8; turn++) await new Promise((resolve) => setImmediate(resolve));
    for (const sink of sinks) expect(sink.writes).toEqual([['1'], ['2'], ['3']]);
  });

  it('limits open streams per user', async () => {
    const { streams } = setup([], '0', 2);
    await streams.open({ principal: viewer, filter: filter(['*']), sink: new RecordingSink() });
    const second = await streams.open({
      principal: viewer,
      filter: filter(['*']),
      sink: new RecordingSink(),
    });
    await expect(
      streams.open({ principal: viewer, filter: filter(['*']), sink: new RecordingSink() }),
    ).rejects.toBeInstanceOf(TooManyStreamsError);
    second.close();
    await streams.open({ principal: viewer, filter: filter(['*']), sink: new RecordingSink() });
  });
});

describe('stream filters', () => {
  it('expands families, refuses unknown types and callers without a reading role', () => {
    const ok = resolveFilter({ types: ['approval.*', 'node.registered'] }, [Role.Viewer]);
    expect(ok.ok && [...ok.filter.types].sort()).toEqual(
      ['approval.decided', 'approval.expired', 'approval.requested', 'node.registered'].sort(),
    );
    const bad = resolveFilter({ types: ['audit.*'], deploymentId: 'nope' }, [Role.Viewer]);
    expect(bad.ok || bad.status).toBe('invalid');
    expect(resolveFilter({}, []).ok).toBe(false);
    expect(resolveFilter({ types: ['deployment.*'] }, [])).toMatchObject({ ok: false, status: 'forbidden' });
  });
});
