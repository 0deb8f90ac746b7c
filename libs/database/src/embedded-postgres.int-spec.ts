import { Client } from 'pg';
import { EmbeddedPostgres } from './embedded-postgres';

/**
 * Several connections share one embedded session. `pg` sends a parameterised query as a batch of
 * extended-protocol messages (Parse, Bind, Describe, Execute, Sync); if another connection's messages
 * ran between them, its Parse would replace the unnamed statement this connection is about to bind,
 * and the query would fail or, worse, run the other connection's statement with these parameters.
 * A batch larger than one socket read (a big parameter) arrives in pieces, which is when it happens.
 */
const BIG = 'x'.repeat(300_000);
describe('embedded PostgreSQL with concurrent connections', () => {
  let embedded: EmbeddedPostgres;
  const clients: Client[] = [];

  beforeAll(async () => {
    embedded = await EmbeddedPostgres.start({ dataDir: undefined, maxConnections: 8 });
    for (let i = 0; i < 3; i += 1) {
      const client = new Client({ connectionString: embedded.url });
      await client.connect();
      clients.push(client);
    }
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) await client.end();
    await embedded.stop();
  });

  it('keeps each connection’s parameterised queries whole (no statement or parameter crosses over)', async () => {
    const [sums, texts, triples] = clients as [Client, Client, Client];
    const errors: unknown[] = [];
    const wrong: string[] = [];
    const ROUNDS = 300;
    await Promise.all([
      (async () => {
        for (let i = 0; i < ROUNDS; i += 1) {
          const r = await sums
            .query<{ v: number }>('SELECT $1::int + length($2::text) AS v', [i, BIG])
            .catch((e) => {
              errors.push(e);
              return null;
            });
          if (r !== null && r.rows[0]?.v !== i + BIG.length)
            wrong.push(`sum ${i}: ${JSON.stringify(r.rows)}`);
        }
      })(),
      (async () => {
        for (let i = 0; i < ROUNDS; i += 1) {
          const r = await texts.query<{ v: string }>('SELECT $1::text AS v', [`t${i}`]).catch((e) => {
            errors.push(e);
            return null;
          });
          if (r !== null && r.rows[0]?.v !== `t${i}`) wrong.push(`text ${i}: ${JSON.stringify(r.rows)}`);
        }
      })(),
      (async () => {
        for (let i = 0; i < ROUNDS; i += 1) {
          const r = await triples
            .query<{ v: string }>('SELECT concat($1::text, $2::text, $3::text) AS v', ['a', i, 'c'])
            .catch((e) => {
              errors.push(e);
              return null;
            });
          if (r !== null && r.rows[0]?.v !== `a${i}c`) wrong.push(`triple ${i}: ${JSON.stringify(r.rows)}`);
        }
      })(),
    ]);
    expect(errors.map((e) => (e as Error).message)).toEqual([]);
    expect(wrong).toEqual([]);
  }, 60_000);
});
