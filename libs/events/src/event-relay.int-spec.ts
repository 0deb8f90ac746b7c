import { createDataSource, Database } from '@hotswap/database';
import { createTestDatabase, type TestDatabase, waitFor } from '@hotswap/testing';
import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { SCHEMA } from '../../../apps/api/src/schema';
import {
  EVENTS_CHANNEL,
  EventRelay,
  InProcessWakeups,
  PgListenWakeSource,
  type RecordedEvent,
} from '@hotswap/event-core';
import { EventLog } from './event-log';

const INSERT = `INSERT INTO events (type, payload) VALUES ('deployment.progress', $1::jsonb) RETURNING seq::text`;

describe('event relay on PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let log: EventLog;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase(SCHEMA);
    dataSource = createDataSource({ url: database.url, poolSize: 4, schema: SCHEMA });
    await dataSource.initialize();
    log = new EventLog(new Database(dataSource), new InProcessWakeups());
    pool = new Pool({ connectionString: database.url, max: 24 });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool.end();
    await dataSource.destroy();
    await database.drop();
  });

  it.each(['database', 'snapshot'] as const)(
    'delivers every committed event exactly once in seq order while writers commit out of seq order (%s bound)',
    async (bound) => {
      const relayLog = new EventLog(new Database(dataSource), new InProcessWakeups(), bound);
      const relay = new EventRelay(relayLog, new PgListenWakeSource(database.url), { pollIntervalMs: 200 });
      const delivered: RecordedEvent[] = [];
      relay.subscribe((batch) => delivered.push(...batch));
      await relay.start();
      const committed: string[] = [];
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      // Each transaction takes its xid first and holds it open for a random while, so seqs are drawn
      // and committed in different orders across writers; a tenth roll back.
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; i < 25; i++) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query('SELECT pg_current_xact_id()');
            await sleep(Math.floor(Math.random() * 15));
            const seqs: string[] = [];
            const n = 1 + ((w + i) % 3);
            for (let k = 0; k < n; k++) {
              const res = await client.query<{ seq: string }>(INSERT, [JSON.stringify({ w, i, k })]);
              seqs.push(res.rows[0]!.seq);
              await sleep(Math.floor(Math.random() * 5));
            }
            if ((w * 31 + i) % 10 === 0) {
              await client.query('ROLLBACK');
            } else {
              await client.query('COMMIT');
              committed.push(...seqs);
            }
          } finally {
            client.release();
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
      await waitFor(() => delivered.length >= committed.length);
      await new Promise((r) => setTimeout(r, 300));
      await relay.stop();

      const seqs = delivered.map((e) => BigInt(e.seq));
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true);
      const expected = [...committed].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(seqs).toEqual(expected);
    },
  );

  /** A relay whose log reports each read (how many events it found) to `reads`. */
  function observedRelay(reads: { found: number; writersRunning: boolean }[], onRead?: () => void) {
    const relayLog = new EventLog(new Database(dataSource), new InProcessWakeups());
    const read = relayLog.relayBatch.bind(relayLog);
    relayLog.relayBatch = async (...args) => {
      const batch = await read(...args);
      reads.push({ found: batch.events.length, writersRunning: batch.writersRunning });
      onRead?.();
      return batch;
    };
    // The poll is beyond the tests: only notifications and the relay's own follow-up reads count.
    return new EventRelay(relayLog, new PgListenWakeSource(database.url), { pollIntervalMs: 600_000 });
  }

  it('reads a commit whose NOTIFY was skipped, even when it ends after the first trailing read, before the poll', async () => {
    const reads: { found: number; writersRunning: boolean }[] = [];
    let onRead: (() => void) | undefined;
    const relay = observedRelay(reads, () => onRead?.());
    const delivered: string[] = [];
    relay.subscribe((batch) => delivered.push(...batch.map((e) => e.seq)));
    await relay.start();
    const notifier = await pool.connect();
    const skipper = await pool.connect();
    try {
      // The notifier's event takes the notification lock; the skipper's, written while the notifier
      // holds it, leaves the notifying to it (DR-29).
      await notifier.query('BEGIN');
      const first = (await notifier.query<{ seq: string }>(INSERT, ['{}'])).rows[0]!.seq;
      await skipper.query('BEGIN');
      const second = (await skipper.query<{ seq: string }>(INSERT, ['{}'])).rows[0]!.seq;
      const emptyReadAfterFirst = new Promise<void>((resolve) => {
        onRead = () => {
          if (reads.at(-1)?.found === 0 && delivered.length > 0) resolve();
        };
      });
      await notifier.query('COMMIT');
      await emptyReadAfterFirst;
      // The relay saw the skipper still running when it read the notifier's event, so it keeps
      // reading after it; the skipper commits after the first of those reads, with no NOTIFY.
      expect(reads.some((r) => r.found > 0 && r.writersRunning)).toBe(true);
      await skipper.query('COMMIT');
      await waitFor(() => delivered.includes(second), 5_000);
      expect(delivered).toEqual([first, second]);
    } finally {
      onRead = undefined;
      notifier.release();
      skipper.release();
      await relay.stop();
    }
  });

  it('reads once per notified commit when no other writer is running (no trailing reads)', async () => {
    const reads: { found: number; writersRunning: boolean }[] = [];
    const relay = observedRelay(reads);
    const delivered: string[] = [];
    relay.subscribe((batch) => delivered.push(...batch.map((e) => e.seq)));
    await relay.start();
    // The read the relay makes when its listener connects is not one of the commits'.
    await new Promise((r) => setTimeout(r, 100));
    reads.length = 0;
    try {
      for (let i = 0; i < 3; i++) {
        const seq = (await pool.query<{ seq: string }>(INSERT, ['{}'])).rows[0]!.seq;
        await waitFor(() => delivered.includes(seq), 5_000);
        // Longer than every trailing read would take (5 + 50 + 200 ms).
        await new Promise((r) => setTimeout(r, 350));
      }
      expect(delivered).toHaveLength(3);
      expect(reads).toEqual([
        { found: 1, writersRunning: false },
        { found: 1, writersRunning: false },
        { found: 1, writersRunning: false },
      ]);
    } finally {
      await relay.stop();
    }
  });

  it('reads nothing while no listener is subscribed; a new listener catches up to the present first', async () => {
    const reads: { found: number; writersRunning: boolean }[] = [];
    const relay = observedRelay(reads);
    await relay.start();
    const insert = async () => (await pool.query<{ seq: string }>(INSERT, ['{}'])).rows[0]!.seq;
    try {
      // Idle: notified commits and the listener's connect wake-up read nothing.
      await insert();
      const beforeListener = await insert();
      await new Promise((r) => setTimeout(r, 300));
      expect(reads).toEqual([]);

      const delivered: string[] = [];
      let unsubscribe = relay.subscribe((batch) => delivered.push(...batch.map((e) => e.seq)));
      await relay.whenCurrent();
      expect(BigInt(relay.cursor) >= BigInt(beforeListener)).toBe(true);
      const live = await insert();
      await waitFor(() => delivered.includes(live), 5_000);
      // Only what was committed after the listener came: the idle spell's events were for nobody.
      expect(delivered).toEqual([live]);

      unsubscribe();
      await new Promise((r) => setTimeout(r, 300));
      const readsWhenLeft = reads.length;
      const missed = await insert();
      await new Promise((r) => setTimeout(r, 300));
      expect(reads).toHaveLength(readsWhenLeft);

      unsubscribe = relay.subscribe((batch) => delivered.push(...batch.map((e) => e.seq)));
      await relay.whenCurrent();
      expect(BigInt(relay.cursor) >= BigInt(missed)).toBe(true);
      const again = await insert();
      await waitFor(() => delivered.includes(again), 5_000);
      expect(delivered).toEqual([live, again]);
      unsubscribe();
    } finally {
      await relay.stop();
    }
  });

  it('reads no further while a listener holds it back, and goes on once it lets go', async () => {
    const reads: { found: number; writersRunning: boolean }[] = [];
    const relay = observedRelay(reads);
    let letGo: () => void = () => undefined;
    const delivered: string[] = [];
    relay.subscribe((batch) => {
      delivered.push(...batch.map((e) => e.seq));
      return delivered.length === 1 ? new Promise<void>((resolve) => (letGo = resolve)) : undefined;
    });
    await relay.start();
    await new Promise((r) => setTimeout(r, 100));
    try {
      const insert = async () => (await pool.query<{ seq: string }>(INSERT, ['{}'])).rows[0]!.seq;
      const first = await insert();
      await waitFor(() => delivered.includes(first), 5_000);
      const readsWhenHeld = reads.length;
      const second = await insert();
      await new Promise((r) => setTimeout(r, 300));
      expect(reads).toHaveLength(readsWhenHeld);
      expect(delivered).toEqual([first]);
      letGo();
      await waitFor(() => delivered.includes(second), 5_000);
      expect(delivered).toEqual([first, second]);
    } finally {
      letGo();
      await relay.stop();
    }
  });

  it('sends at most one NOTIFY per committing transaction, carrying its highest seq', async () => {
    const listener = new Client({ connectionString: database.url });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (m) => {
      if (m.channel === EVENTS_CHANNEL && m.payload !== undefined) notified.push(m.payload);
    });
    await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
    try {
      // One after the other: each transaction notifies exactly once, with the last seq it drew.
      const highest: string[] = [];
      for (const count of [1, 7, 2_500]) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          let last = '';
          for (let k = 0; k < Math.min(count, 5); k++) {
            last = (await client.query<{ seq: string }>(INSERT, ['{}'])).rows[0]!.seq;
          }
          if (count > 5) {
            const rest = await client.query<{ seq: string }>(
              `INSERT INTO events (type, payload) SELECT 'deployment.progress', '{}'::jsonb FROM generate_series(1, $1) RETURNING seq::text`,
              [count - 5],
            );
            last = rest.rows[rest.rows.length - 1]!.seq;
          }
          await client.query('COMMIT');
          highest.push(last);
        } finally {
          client.release();
        }
      }
      await waitFor(() => notified.length >= 3);
      await new Promise((r) => setTimeout(r, 100));
      expect(notified).toEqual(highest);

      // Concurrently: never more notifications than transactions, never two for one transaction.
      notified.length = 0;
      const transactions = 48;
      await Promise.all(
        Array.from({ length: transactions }, async () => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            for (let k = 0; k < 10; k++) await client.query(INSERT, ['{}']);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(notified.length).toBeGreaterThanOrEqual(1);
      expect(notified.length).toBeLessThanOrEqual(transactions);
      const xids = notified.map((p) => BigInt(p) >> 20n);
      expect(new Set(xids).size).toBe(xids.length);
      // Each payload is the tenth (highest) seq of its transaction.
      for (const p of notified) expect(BigInt(p) & 0xfffffn).toBe(10n);
    } finally {
      await listener.end();
    }
  });

  it('history reads only the settled part of the log and keeps a pruned watermark', async () => {
    const before = await log.settledHead();
    const blocker = await pool.connect();
    await blocker.query('BEGIN');
    await blocker.query(INSERT, ['{"held":true}']);
    // A later transaction commits while the earlier one is still open: not settled yet.
    await pool.query(INSERT, ['{"later":true}']);
    expect(await log.since(before)).toEqual([]);
    await blocker.query('COMMIT');
    blocker.release();
    const after = await log.since(before);
    expect(after.map((e) => e.payload)).toEqual([{ held: true }, { later: true }]);

    const head = await log.settledHead();
    const pruned = await log.prune(new Date(Date.now() + 60_000));
    expect(pruned).toBeGreaterThan(0);
    expect(await log.prunedThrough()).toBe(head);
    expect(await log.since('0')).toEqual([]);
  });
});
