import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';

interface PropertyStats {
  /** Estimated rows of the type that have the property. */
  rows: number;
  /** Estimated distinct values. */
  distinct: number;
  /** Most common values (JSON text) with estimated row counts. */
  common: Map<string, number>;
  commonRows: number;
}

/** Rows sampled per refresh to estimate per-property value frequencies. */
const SAMPLE_TARGET = 30_000;
const COMMON_VALUES = 50;
const ANY_TYPE = '*';

/**
 * Selectivity estimates for the planner, refreshed from PostgreSQL's own statistics: `ANALYZE`,
 * `pg_class.reltuples` (row count), `pg_stats` for the `type` column (most common types and their
 * frequencies), plus per-property value frequencies from a `TABLESAMPLE` of the properties (PostgreSQL
 * keeps no per-key statistics for JSONB).
 */
export class GraphStatistics {
  constructor(
    readonly analyzedAt: Date,
    readonly totalEntities: number,
    readonly sampledRows: number,
    private readonly typeRows: Map<string, number>,
    private readonly defaultTypeRows: number,
    private readonly properties: Map<string, PropertyStats>,
  ) {}

  rowsOfType(type: string | undefined): number {
    if (type === undefined) return this.totalEntities;
    return this.typeRows.get(type) ?? this.defaultTypeRows;
  }

  private stats(type: string | undefined, property: string): PropertyStats | undefined {
    return this.properties.get(`${type ?? ANY_TYPE}\u0000${property}`);
  }

  /** Fraction of the type's rows having the property (non-null). */
  presence(type: string | undefined, property: string): number {
    const rows = this.rowsOfType(type);
    const s = this.stats(type, property);
    if (s === undefined || rows <= 0) return 0;
    return Math.min(1, s.rows / rows);
  }

  /** Fraction of the type's rows whose property equals `value`. */
  equality(type: string | undefined, property: string, value: unknown): number {
    const rows = Math.max(1, this.rowsOfType(type));
    const s = this.stats(type, property);
    if (s === undefined) return Math.min(1, 0.5 / rows);
    const common = s.common.get(JSON.stringify(value));
    if (common !== undefined) return Math.min(1, common / rows);
    const otherDistinct = Math.max(1, s.distinct - s.common.size);
    const otherRows = Math.max(0, s.rows - s.commonRows);
    return Math.min(1, Math.max(0.5, otherRows / otherDistinct) / rows);
  }
}

@Injectable()
export class GraphStatisticsCollector {
  constructor(@Inject(Database) private readonly database: Database) {}

  async collect(): Promise<GraphStatistics> {
    const q = <T>(sql: string, params: unknown[] = []) => this.database.manager().query<T[]>(sql, params);
    await q('ANALYZE graph_entities');
    const [cls] = await q<{ reltuples: number }>(
      "SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'graph_entities'::regclass",
    );
    const total = Math.max(0, Math.round(cls?.reltuples ?? 0));
    const [typeStats] = await q<{ vals: string[] | null; freqs: number[] | null; n_distinct: number }>(
      `SELECT most_common_vals::text::text[] AS vals, most_common_freqs AS freqs, n_distinct::float8 AS n_distinct
       FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'graph_entities' AND attname = 'type'`,
    );
    const typeRows = new Map<string, number>();
    let covered = 0;
    (typeStats?.vals ?? []).forEach((type, i) => {
      const f = typeStats?.freqs?.[i] ?? 0;
      covered += f;
      typeRows.set(type, f * total);
    });
    const nDistinct =
      typeStats === undefined
        ? 1
        : typeStats.n_distinct < 0
          ? -typeStats.n_distinct * total
          : typeStats.n_distinct;
    const others = Math.max(1, nDistinct - typeRows.size);
    const defaultTypeRows = Math.max(1, ((1 - covered) * total) / others);

    const percent = total <= SAMPLE_TARGET ? 100 : Math.max(0.01, (SAMPLE_TARGET / total) * 100);
    const sample = percent >= 100 ? '' : ` TABLESAMPLE SYSTEM (${percent.toFixed(4)})`;
    const [sampled] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM graph_entities${sample}`);
    const sampledRows = Math.max(1, sampled?.n ?? 0);
    const scale = percent >= 100 ? 1 : total / sampledRows;
    // Per (type, key): value counts in the sample; the same for all types together.
    const rows = await q<{
      type: string;
      key: string;
      value: string;
      n: number;
      total: number;
      n_distinct: number;
    }>(
      `WITH s AS (SELECT e.type, kv.key, kv.value::text AS value FROM graph_entities e${sample},
                  jsonb_each(e.properties) kv WHERE jsonb_typeof(kv.value) <> 'null'),
            g AS (SELECT type, key, value, count(*)::int AS n FROM s GROUP BY GROUPING SETS ((type, key, value), (key, value))),
            r AS (SELECT coalesce(type, $1) AS type, key, value, n,
                         sum(n) OVER (PARTITION BY coalesce(type, $1), key)::int AS total,
                         count(*) OVER (PARTITION BY coalesce(type, $1), key)::int AS n_distinct,
                         row_number() OVER (PARTITION BY coalesce(type, $1), key ORDER BY n DESC) AS rank
                  FROM g)
       SELECT type, key, value, n, total, n_distinct FROM r WHERE rank <= $2`,
      [ANY_TYPE, COMMON_VALUES],
    );
    const properties = new Map<string, PropertyStats>();
    for (const row of rows) {
      const id = `${row.type}\u0000${row.key}`;
      let s = properties.get(id);
      if (s === undefined) {
        // Values seen once in the sample say nothing about their frequency: they are left to the
        // "other values" estimate; distinct count extrapolated linearly (an overestimate for
        // low-cardinality properties, which the common values list covers).
        s = {
          rows: row.total * scale,
          distinct: Math.max(row.n_distinct, Math.min(row.total, row.n_distinct * scale)),
          common: new Map(),
          commonRows: 0,
        };
        properties.set(id, s);
      }
      if (row.n >= 2 || scale === 1) {
        s.common.set(row.value, row.n * scale);
        s.commonRows += row.n * scale;
      }
    }
    return new GraphStatistics(new Date(), total, sampledRows, typeRows, defaultTypeRows, properties);
  }
}
