import { Inject, Injectable } from '@nestjs/common';
import type { FieldError } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { invalid, queryTimedOut } from '../graph.errors';
import { GraphRepository } from '../graph.repository';
import type { GraphEntity, GraphRelationship } from '../graph.types';
import { planQuery } from './planner';
import { checkFilter, checkTypeName } from './query-validation';
import { QueryCache } from './query-cache';
import { buildPatternRelationshipsSql, buildQuerySql, type BuiltQuery } from './sql-builder';
import { GraphStatisticsCollector, type GraphStatistics } from './statistics';
import { QUERY_LIMITS, type GraphQuery, type QueryPlan } from './query.types';

export interface QueryResult {
  readonly entities: GraphEntity[];
  readonly relationships: GraphRelationship[];
  readonly totalCount: number;
  readonly plan: QueryPlan;
  readonly fromCache: boolean;
}

/** Statistics older than this are refreshed before planning when the graph changed meanwhile. */
const STATISTICS_MAX_AGE_MS = 30_000;
const QUERY_CANCELED = '57014';

/**
 * Runs graph queries: validate → plan from statistics → execute exactly that plan under the query's
 * `statement_timeout` → cache by write generation.
 */
@Injectable()
export class GraphQueryEngine {
  private statistics: { stats: GraphStatistics; generation: number } | null = null;
  private refreshing: Promise<GraphStatistics> | null = null;
  readonly cache = new QueryCache<Omit<QueryResult, 'fromCache'>>();

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(GraphRepository) private readonly graph: GraphRepository,
    @Inject(GraphStatisticsCollector) private readonly collector: GraphStatisticsCollector,
  ) {}

  /** Re-reads the statistics now (ANALYZE + sample); the next plans use them. */
  async refreshStatistics(): Promise<GraphStatistics> {
    if (this.refreshing !== null) return this.refreshing;
    this.refreshing = (async () => {
      try {
        const generation = await this.graph.generation();
        const stats = await this.collector.collect();
        this.statistics = { stats, generation };
        return stats;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  get currentStatistics(): GraphStatistics | null {
    return this.statistics?.stats ?? null;
  }

  private async statisticsFor(generation: number): Promise<GraphStatistics> {
    const s = this.statistics;
    if (s === null) return this.refreshStatistics();
    if (s.generation !== generation && Date.now() - s.stats.analyzedAt.getTime() > STATISTICS_MAX_AGE_MS) {
      return this.refreshStatistics();
    }
    return s.stats;
  }

  validate(query: GraphQuery): void {
    const errors: FieldError[] = [...checkTypeName(query.entityType, 'entityType')];
    if (query.filters.length > QUERY_LIMITS.filters) {
      errors.push({ field: 'filters', message: `at most ${QUERY_LIMITS.filters} filters` });
    }
    if (query.relationshipPatterns.length > QUERY_LIMITS.patterns) {
      errors.push({ field: 'relationshipPatterns', message: `at most ${QUERY_LIMITS.patterns} patterns` });
    }
    query.filters.forEach((f, i) => errors.push(...checkFilter(f, `filters.${i}`)));
    query.relationshipPatterns.forEach((p, i) => {
      errors.push(...checkTypeName(p.type, `relationshipPatterns.${i}.type`));
      errors.push(...checkTypeName(p.targetEntityType, `relationshipPatterns.${i}.targetEntityType`));
      p.targetFilters.forEach((f, j) =>
        errors.push(...checkFilter(f, `relationshipPatterns.${i}.targetFilters.${j}`)),
      );
      if (p.minWeight !== undefined && p.maxWeight !== undefined && p.minWeight > p.maxWeight) {
        errors.push({ field: `relationshipPatterns.${i}.minWeight`, message: 'must not exceed maxWeight' });
      }
    });
    if (!Number.isInteger(query.maxDepth) || query.maxDepth < 1 || query.maxDepth > QUERY_LIMITS.maxDepth) {
      errors.push({ field: 'maxDepth', message: `must be an integer from 1 to ${QUERY_LIMITS.maxDepth}` });
    }
    if (!Number.isInteger(query.pageSize) || query.pageSize < 1 || query.pageSize > QUERY_LIMITS.pageSize) {
      errors.push({ field: 'pageSize', message: `must be an integer from 1 to ${QUERY_LIMITS.pageSize}` });
    }
    if (!Number.isInteger(query.skip) || query.skip < 0)
      errors.push({ field: 'skip', message: 'must be an integer ≥ 0' });
    if (
      !Number.isInteger(query.timeoutMs) ||
      query.timeoutMs < 1 ||
      query.timeoutMs > QUERY_LIMITS.timeoutMs
    ) {
      errors.push({ field: 'timeoutMs', message: `must be an integer from 1 to ${QUERY_LIMITS.timeoutMs}` });
    }
    if (errors.length > 0) throw invalid(errors);
  }

  /** The plan and statement a query would run with now (for EXPLAIN and tests). */
  async prepare(query: GraphQuery): Promise<{ plan: QueryPlan; statement: BuiltQuery }> {
    this.validate(query);
    const stats = await this.statisticsFor(await this.graph.generation());
    const { plan, residual } = planQuery(query, stats);
    return { plan, statement: buildQuerySql(query, plan, residual) };
  }

  async run(query: GraphQuery): Promise<QueryResult> {
    this.validate(query);
    const key = JSON.stringify(query);
    const generation = await this.graph.generation();
    const cached = this.cache.get(key, generation);
    if (cached !== undefined) return { ...cached, fromCache: true };
    const stats = await this.statisticsFor(generation);
    const { plan, residual } = planQuery(query, stats);
    const statement = buildQuerySql(query, plan, residual);
    const result = await this.execute(query, plan, statement);
    // Cached under the generation read before executing: a write that raced the query makes the
    // entry stale rather than wrong.
    this.cache.set(key, generation, result);
    return { ...result, fromCache: false };
  }

  private async execute(
    query: GraphQuery,
    plan: QueryPlan,
    statement: BuiltQuery,
  ): Promise<Omit<QueryResult, 'fromCache'>> {
    try {
      return await this.database.transaction(async () => {
        const m = this.database.manager();
        // SET LOCAL: the limit ends with this transaction; it covers every statement of the query.
        await m.query(`SET LOCAL statement_timeout = ${Math.trunc(query.timeoutMs)}`);
        const [row] = await m.query<{ total: number; ids: string[] }[]>(statement.sql, statement.params);
        const ids = row?.ids ?? [];
        const relationshipsSql = buildPatternRelationshipsSql(query, ids);
        const relIds =
          relationshipsSql === null
            ? []
            : (await m.query<{ id: string }[]>(relationshipsSql.sql, relationshipsSql.params)).map(
                (r) => r.id,
              );
        const [entities, relationships] = [
          await this.graph.findEntities(ids),
          await this.graph.findRelationships(relIds),
        ];
        const order = new Map(ids.map((id, i) => [id, i]));
        entities.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
        relationships.sort((a, b) => a.id.localeCompare(b.id));
        return { entities, relationships, totalCount: row?.total ?? 0, plan };
      });
    } catch (error) {
      if (
        (error as { driverError?: { code?: string }; code?: string }).driverError?.code === QUERY_CANCELED ||
        (error as { code?: string }).code === QUERY_CANCELED
      ) {
        throw queryTimedOut(query.timeoutMs);
      }
      throw error;
    }
  }

  /** PostgreSQL's own EXPLAIN of the statement a query executes. */
  async explain(query: GraphQuery): Promise<{ plan: QueryPlan; explain: string }> {
    const { plan, statement } = await this.prepare(query);
    const rows = await this.database
      .manager()
      .query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${statement.sql}`, statement.params);
    return { plan, explain: rows.map((r) => r['QUERY PLAN']).join('\n') };
  }
}
