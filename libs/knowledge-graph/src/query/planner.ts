import type { GraphStatistics } from './statistics';
import type { AccessPath, GraphQuery, PlanStep, PropertyFilter, QueryPlan } from './query.types';

export const PROPERTY_INDEX = 'idx_graph_entities_properties';
export const TYPE_INDEX = 'idx_graph_entities_type';

/** Relative costs, in "sequentially read rows": a row fetched through an index costs more. */
const COST = { seqRow: 1, indexRow: 4, indexStartup: 20, filter: 0.01, regexFilter: 0.05 };

/** Whether the GIN index (jsonb_ops, `@>`) can answer the filter exactly. */
export function indexable(filter: PropertyFilter): boolean {
  const v = filter.value;
  return (
    filter.operator === 'Equals' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
  );
}

/** Estimated fraction of the type's rows a filter keeps. */
export function selectivity(stats: GraphStatistics, type: string | undefined, f: PropertyFilter): number {
  const presence = stats.presence(type, f.property);
  const eq = (v: unknown) => stats.equality(type, f.property, v);
  const values = Array.isArray(f.value) ? (f.value as unknown[]) : [];
  switch (f.operator) {
    case 'Equals':
      return eq(f.value);
    case 'NotEquals':
      return Math.max(0, 1 - eq(f.value));
    case 'GreaterThan':
    case 'GreaterThanOrEqual':
    case 'LessThan':
    case 'LessThanOrEqual':
      return presence / 3;
    case 'Contains':
    case 'StartsWith':
    case 'EndsWith':
    case 'Matches':
      return presence / 10;
    case 'NotContains':
      return 1 - presence / 10;
    case 'In':
      return Math.min(
        1,
        values.reduce<number>((sum, v) => sum + eq(v), 0),
      );
    case 'NotIn':
      return Math.max(0, 1 - values.reduce<number>((sum, v) => sum + eq(v), 0));
    case 'IsNull':
      return 1 - presence;
    case 'IsNotNull':
      return presence;
  }
}

export function describeFilter(f: PropertyFilter): string {
  return f.operator === 'IsNull' || f.operator === 'IsNotNull'
    ? `${f.property} ${f.operator}`
    : `${f.property} ${f.operator} ${JSON.stringify(f.value)}`;
}

/**
 * Chooses how to find the query's root entities: through the GIN index on the properties (driven by
 * its most selective indexable filter), through the type index, or by a sequential scan — whichever
 * has the lowest estimated cost — and orders the remaining filters most selective (and cheapest)
 * first. The SQL builder emits exactly this plan (see `buildQuerySql`).
 */
export function planQuery(
  query: GraphQuery,
  stats: GraphStatistics,
): { plan: QueryPlan; residual: PropertyFilter[] } {
  const type = query.entityType;
  const total = Math.max(1, stats.totalEntities);
  const typeRows = type === undefined ? total : Math.max(1, stats.rowsOfType(type));
  const nFilters = query.filters.length + (type === undefined ? 0 : 1);
  const candidates: QueryPlan['candidates'] = [];

  candidates.push({ accessPath: 'SeqScan', cost: total * (COST.seqRow + COST.filter * nFilters) });
  if (type !== undefined) {
    candidates.push({
      accessPath: 'TypeIndex',
      cost: COST.indexStartup + typeRows * (COST.indexRow + COST.filter * query.filters.length),
    });
  }
  let bestIndexed: { filter: PropertyFilter; cost: number } | null = null;
  for (const filter of query.filters.filter(indexable)) {
    // The GIN index finds matches of every type; the type check is a filter after it.
    const globalRows = stats.equality(undefined, filter.property, filter.value) * total;
    const cost = COST.indexStartup + globalRows * (COST.indexRow + COST.filter * nFilters);
    candidates.push({ accessPath: 'PropertyIndex', filter: describeFilter(filter), cost });
    if (bestIndexed === null || cost < bestIndexed.cost) bestIndexed = { filter, cost };
  }
  const chosen = candidates.reduce((a, b) => (b.cost < a.cost ? b : a));
  const accessPath: AccessPath = chosen.accessPath;
  const driving = accessPath === 'PropertyIndex' ? (bestIndexed?.filter ?? null) : null;

  const steps: PlanStep[] = [];
  if (accessPath === 'PropertyIndex' && driving !== null) {
    steps.push({
      kind: 'IndexLookup',
      description: `${PROPERTY_INDEX}: properties @> {${JSON.stringify(driving.property)}: ${JSON.stringify(driving.value)}}`,
      estimatedSelectivity: selectivity(stats, type, driving),
    });
  } else if (accessPath === 'TypeIndex') {
    steps.push({
      kind: 'IndexLookup',
      description: `${TYPE_INDEX}: type = ${JSON.stringify(type)}`,
      estimatedSelectivity: typeRows / total,
    });
  }
  const residual = query.filters
    .filter((f) => f !== driving)
    .map((f) => ({
      f,
      sel: selectivity(stats, type, f),
      cost: f.operator === 'Matches' ? COST.regexFilter : COST.filter,
    }))
    // Rank filters by cost / (1 - selectivity): cheap filters that discard most rows go first.
    .sort((a, b) => a.cost / Math.max(1e-9, 1 - a.sel) - b.cost / Math.max(1e-9, 1 - b.sel));
  if (type !== undefined && accessPath !== 'TypeIndex') {
    steps.push({
      kind: 'Filter',
      description: `type = ${JSON.stringify(type)}`,
      estimatedSelectivity: typeRows / total,
    });
  }
  for (const { f, sel } of residual) {
    steps.push({ kind: 'Filter', description: describeFilter(f), estimatedSelectivity: sel });
  }
  query.relationshipPatterns.forEach((p, i) => {
    steps.push({
      kind: 'PatternSemiJoin',
      description: `pattern ${i}: ${p.direction} ${p.type ?? '*'} → ${p.targetEntityType ?? '*'} within ${query.maxDepth} hop(s)`,
      estimatedSelectivity: 0.5,
    });
  });
  const selectivities = query.filters.map((f) => selectivity(stats, type, f));
  const estimatedRows = Math.max(
    0,
    Math.round(
      typeRows * selectivities.reduce((a, b) => a * b, 1) * 0.5 ** query.relationshipPatterns.length,
    ),
  );
  const plan: QueryPlan = {
    accessPath,
    index: accessPath === 'PropertyIndex' ? PROPERTY_INDEX : accessPath === 'TypeIndex' ? TYPE_INDEX : null,
    drivingFilter: driving,
    steps,
    estimatedRows,
    candidates,
    statistics: {
      analyzedAt: stats.analyzedAt.toISOString(),
      totalEntities: stats.totalEntities,
      sampledRows: stats.sampledRows,
    },
  };
  return { plan, residual: residual.map((r) => r.f) };
}
