/**
 * P6 (performance.md) — the knowledge graph at 100,000 entities / 1,000,000 relationships.
 *
 *   npm run bench -- graph [--entities 100000] [--relationships 1000000] [--samples 200]
 *
 * On a scratch database created on BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * and dropped at the end: the schema is migrated, then the graph is generated server-side with
 * multi-row `INSERT … SELECT generate_series` (ids derived from the row number, every entity with
 * `relationships / entities` outgoing directed relationships to random targets, weights 1–10).
 * Measured, each from random starting entities (the same ones for both sides):
 * - 3-hop outgoing neighbourhood through `TraversalService.neighbourIds` (the adjacency snapshot,
 *   with the generation check as served, and re-read on every call) vs a recursive CTE on the
 *   same tables returning the same id set (checked equal on every CTE sample);
 * - shortest path (Dijkstra, weighted) between random pairs vs a recursive CTE computing the
 *   cheapest path with at most as many hops as Dijkstra's answer (bounded so it finishes);
 *   also BFS (weighted=false).
 * Budgets: 3-hop p99 ≤ 20 ms, shortest p99 ≤ 300 ms, each ≥ 10× faster (p50) than its CTE.
 * The snapshot's one-off load time is reported as a figure.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { createDataSource } from '@hotswap/database';
import { SCHEMA } from '../apps/api/src/schema';
import { graphOn, SNAPSHOT_RECHECK_MS } from '@hotswap/knowledge-graph';
import { atLeast, atMost, type BenchResult, type Figure, percentile, wholeNumber, log } from './_shared';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await work();
  return [performance.now() - started, value];
}

export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { entities: { type: 'string' }, relationships: { type: 'string' }, samples: { type: 'string' } },
  });
  const entities = values.entities === undefined ? 100_000 : wholeNumber(values.entities, '--entities', 100);
  const relationships =
    values.relationships === undefined
      ? 1_000_000
      : wholeNumber(values.relationships, '--relationships', 100);
  const samples = values.samples === undefined ? 200 : wholeNumber(values.samples, '--samples', 10);
  const cteSamples = Math.max(5, Math.round(samples / 10));
  Logger.overrideLogger(['error']);

  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const name = `hotswap_bench_graph_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = withDatabase(adminUrl, name);
  const figures: Figure[] = [];
  try {
    const migrator = createDataSource({ url, poolSize: 2, schema: SCHEMA });
    await migrator.initialize();
    await migrator.runMigrations({ transaction: 'each' });
    await migrator.destroy();

    const db = new Client({ connectionString: url });
    await db.connect();
    const perEntity = Math.ceil(relationships / entities);
    const [generateMs] = await timed(async () => {
      await db.query(
        `INSERT INTO graph_entities (id, type, properties, created_by, updated_by)
         SELECT md5('e' || i)::uuid, (ARRAY['Service','Host','Database','Queue'])[1 + i % 4],
                jsonb_build_object('name', 'e' || i, 'tier', i % 10), 'bench', 'bench'
         FROM generate_series(1, $1::int) i`,
        [entities],
      );
      // In chunks of 100,000 rows, so each statement stays short.
      for (let from = 0; from < relationships; from += 100_000) {
        const to = Math.min(relationships, from + 100_000);
        await db.query(
          `INSERT INTO graph_relationships (id, type, source_id, target_id, weight, is_directed, created_by)
           SELECT md5('r' || j)::uuid, 'calls', md5('e' || (1 + j / $3::int))::uuid,
                  md5('e' || (1 + floor(random() * $2::int))::int)::uuid, 1 + floor(random() * 10), true, 'bench'
           FROM generate_series($1::int, $4::int - 1) j`,
          [from, entities, perEntity, to],
        );
      }
      await db.query('UPDATE graph_state SET generation = generation + 1 WHERE id = 1');
      await db.query('ANALYZE graph_entities');
      await db.query('ANALYZE graph_relationships');
    });
    log(
      `generated ${entities} entities / ${relationships} relationships in ${(generateMs / 1000).toFixed(1)} s`,
    );
    figures.push({
      label: 'generation (INSERT … SELECT)',
      value: Math.round(generateMs / 100) / 10,
      unit: 's',
    });

    const g = await graphOn(url, SCHEMA, 4);
    try {
      const [loadMs, snapshot] = await timed(() => g.snapshots.get());
      log(
        `snapshot loaded in ${loadMs.toFixed(0)} ms (${snapshot.entityCount} entities, ${snapshot.relationshipCount} relationships)`,
      );
      figures.push({
        label: 'adjacency snapshot load (one-off per generation)',
        value: Math.round(loadMs),
        unit: 'ms',
      });
      figures.push({
        label: 'RSS after snapshot load',
        value: Math.round(process.memoryUsage().rss / 1024 / 1024),
        unit: 'MB',
      });

      const randomEntity = () => 1 + Math.floor(Math.random() * entities);
      const ids = await db.query<{ id: string }>(
        `SELECT md5('e' || i)::uuid::text AS id FROM unnest($1::int[]) i`,
        [Array.from({ length: samples * 2 }, randomEntity)],
      );
      const starts = ids.rows.map((r) => r.id);

      // 3-hop neighbourhood.
      const ours: number[] = [];
      const sizes: number[] = [];
      for (const start of starts.slice(0, samples)) {
        const [ms, found] = await timed(() => g.traversal.neighbourIds(start, 3, 'outgoing'));
        ours.push(ms);
        sizes.push(found.length);
      }
      const cte: number[] = [];
      for (const start of starts.slice(0, cteSamples)) {
        const [ms, rows] = await timed(() =>
          db.query<{ id: string }>(
            `WITH RECURSIVE walk(id, depth) AS (
               SELECT $1::uuid, 0
               UNION
               SELECT r.target_id, w.depth + 1 FROM walk w JOIN graph_relationships r ON r.source_id = w.id WHERE w.depth < 3)
             SELECT DISTINCT id::text AS id FROM walk WHERE id <> $1::uuid`,
            [start],
          ),
        );
        cte.push(ms);
        const mine = new Set(await g.traversal.neighbourIds(start, 3, 'outgoing'));
        if (mine.size !== rows.rows.length || rows.rows.some((r) => !mine.has(r.id))) {
          throw new Error(`3-hop neighbourhood of ${start} differs from the recursive CTE's`);
        }
      }
      // The same walks with the shared generation re-read on every call (no recheck window).
      g.snapshots.recheckMs = 0;
      const strict: number[] = [];
      for (const start of starts.slice(0, samples)) {
        strict.push((await timed(() => g.traversal.neighbourIds(start, 3, 'outgoing')))[0]);
      }
      g.snapshots.recheckMs = SNAPSHOT_RECHECK_MS;
      const hood = {
        p50: percentile(ours, 50),
        p99: percentile(ours, 99),
        cteP50: percentile(cte, 50),
        cteP99: percentile(cte, 99),
      };
      log(
        `3-hop: ours p50 ${hood.p50.toFixed(2)} ms p99 ${hood.p99.toFixed(2)} ms; CTE p50 ${hood.cteP50.toFixed(1)} ms`,
      );

      // Shortest paths.
      const dijkstra: number[] = [];
      const bfs: number[] = [];
      const hops = new Map<number, number>();
      for (let s = 0; s < samples; s++) {
        const from = starts[s] ?? '';
        const to = starts[samples + s] ?? '';
        const [ms, path] = await timed(() => g.traversal.shortestIndexPath(from, to, true));
        dijkstra.push(ms);
        hops.set(s, path?.rels.length ?? 0);
        bfs.push((await timed(() => g.traversal.shortestIndexPath(from, to, false)))[0]);
      }
      const ctePath: number[] = [];
      let cteChecked = 0;
      for (let s = 0; s < cteSamples; s++) {
        const from = starts[s] ?? '';
        const to = starts[samples + s] ?? '';
        const bound = Math.min(5, hops.get(s) ?? 0);
        if (bound === 0) continue;
        const [ms, rows] = await timed(() =>
          db.query<{ cost: number | null }>(
            `WITH RECURSIVE p(id, cost, depth, path) AS (
               SELECT $1::uuid, 0::float8, 0, ARRAY[$1::uuid]
               UNION ALL
               SELECT r.target_id, p.cost + r.weight, p.depth + 1, p.path || r.target_id
               FROM p JOIN graph_relationships r ON r.source_id = p.id
               WHERE p.depth < $3 AND r.target_id <> ALL(p.path))
             SELECT min(cost) AS cost FROM p WHERE id = $2::uuid`,
            [from, to, bound],
          ),
        );
        ctePath.push(ms);
        const ourPath = await g.traversal.shortestIndexPath(from, to, true);
        // The CTE only sees paths of ≤ bound hops, so it can never beat Dijkstra.
        if (
          ourPath !== null &&
          rows.rows[0]?.cost != null &&
          rows.rows[0].cost < ourPath.totalWeight - 1e-9
        ) {
          throw new Error(`Dijkstra's path ${from}→${to} is longer than the CTE's`);
        }
        cteChecked++;
      }
      const path = {
        p50: percentile(dijkstra, 50),
        p99: percentile(dijkstra, 99),
        bfsP50: percentile(bfs, 50),
        bfsP99: percentile(bfs, 99),
        cteP50: percentile(ctePath, 50),
        cteP99: percentile(ctePath, 99),
      };
      log(
        `shortest: Dijkstra p50 ${path.p50.toFixed(1)} ms p99 ${path.p99.toFixed(1)} ms; CTE p50 ${path.cteP50.toFixed(1)} ms`,
      );

      const r1 = (v: number) => Math.round(v * 100) / 100;
      figures.push(
        { label: '3-hop neighbourhood size (median entities)', value: percentile(sizes, 50), unit: '' },
        { label: '3-hop snapshot p50', value: r1(hood.p50), unit: 'ms' },
        { label: '3-hop snapshot p99', value: r1(hood.p99), unit: 'ms' },
        {
          label: '3-hop snapshot p50, generation re-read every call',
          value: r1(percentile(strict, 50)),
          unit: 'ms',
        },
        {
          label: '3-hop snapshot p99, generation re-read every call',
          value: r1(percentile(strict, 99)),
          unit: 'ms',
        },
        { label: `3-hop recursive CTE p50 (${cte.length} samples)`, value: r1(hood.cteP50), unit: 'ms' },
        { label: '3-hop recursive CTE p99', value: r1(hood.cteP99), unit: 'ms' },
        { label: '3-hop CTE / snapshot (p50)', value: r1(hood.cteP50 / hood.p50), unit: '×' },
        { label: 'shortest path Dijkstra p50', value: r1(path.p50), unit: 'ms' },
        { label: 'shortest path Dijkstra p99', value: r1(path.p99), unit: 'ms' },
        { label: 'shortest path BFS p50', value: r1(path.bfsP50), unit: 'ms' },
        { label: 'shortest path BFS p99', value: r1(path.bfsP99), unit: 'ms' },
        { label: 'median hops of the shortest paths', value: percentile([...hops.values()], 50), unit: '' },
        {
          label: `shortest path recursive CTE p50 (${cteChecked} samples)`,
          value: r1(path.cteP50),
          unit: 'ms',
        },
        { label: 'shortest path recursive CTE p99', value: r1(path.cteP99), unit: 'ms' },
        { label: 'shortest path CTE / Dijkstra (p50)', value: r1(path.cteP50 / path.p50), unit: '×' },
      );
      await db.end();
      return {
        name: 'graph',
        figures,
        budgets: [
          atMost('P6 3-hop neighbourhood p99', r1(hood.p99), 20, 'ms'),
          atMost('P6 shortest path p99', r1(path.p99), 300, 'ms'),
          atLeast('P6 3-hop vs recursive CTE (p50)', r1(hood.cteP50 / hood.p50), 10, '×'),
          atLeast('P6 shortest path vs recursive CTE (p50)', r1(path.cteP50 / path.p50), 10, '×'),
        ],
        notes: [
          `${entities} entities, ${relationships} directed relationships (${perEntity} out of each entity, random targets, weights 1–10).`,
          `Snapshot timings include the generation check (one indexed row read on PostgreSQL) at most every ${SNAPSHOT_RECHECK_MS} ms, as served; the figures "re-read every call" do it on each call.`,
          'The shortest-path CTE is bounded to the hop count of the Dijkstra answer (≤ 5) so that it terminates.',
        ],
      };
    } finally {
      await g.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
