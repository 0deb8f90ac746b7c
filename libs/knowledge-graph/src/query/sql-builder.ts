import type { GraphQuery, PropertyFilter, QueryPlan, RelationshipPattern } from './query.types';

/** Collects positional parameters. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const json = (v: unknown) => JSON.stringify(v);

/**
 * SQL for one filter on `alias.properties`. Comparisons are typed: a number compares only with
 * numbers, a string only with strings (JSON types are never coerced), so `5` and `"5"` differ.
 * Negative operators (NotEquals, NotContains, NotIn) also match entities without the property.
 * `CASE` guarantees the type test runs before the cast.
 */
export function filterSql(alias: string, f: PropertyFilter, params: Params, useIndex = false): string {
  // Only this form can use the GIN index.
  if (useIndex && f.operator === 'Equals')
    return `(${alias}.properties @> ${params.add(json({ [f.property]: f.value }))}::jsonb)`;
  const key = params.add(f.property);
  const p = `${alias}.properties -> ${key}`;
  const text = `(${alias}.properties ->> ${key})`;
  const typeOf = `jsonb_typeof(${p})`;
  const v = f.value;
  const contains = () => {
    const asJson = params.add(json(v));
    const stringBranch =
      typeof v === 'string' ? `WHEN 'string' THEN strpos(${text}, ${params.add(v)}) > 0 ` : '';
    return `(CASE ${typeOf} ${stringBranch}WHEN 'array' THEN ${p} @> jsonb_build_array(${asJson}::jsonb) ELSE false END)`;
  };
  const compare = (op: string) =>
    typeof v === 'number'
      ? `(CASE WHEN ${typeOf} = 'number' THEN (${p})::numeric ${op} ${params.add(v)}::numeric ELSE false END)`
      : `(CASE WHEN ${typeOf} = 'string' THEN ${text} COLLATE "C" ${op} ${params.add(v)}::text ELSE false END)`;
  const inList = () =>
    `EXISTS (SELECT 1 FROM jsonb_array_elements(${params.add(json(v))}::jsonb) AS x(v) WHERE x.v = ${p})`;
  switch (f.operator) {
    case 'Equals':
      return `(${p} = ${params.add(json(v))}::jsonb)`;
    case 'NotEquals':
      return `((${p} = ${params.add(json(v))}::jsonb) IS NOT TRUE)`;
    case 'GreaterThan':
      return compare('>');
    case 'GreaterThanOrEqual':
      return compare('>=');
    case 'LessThan':
      return compare('<');
    case 'LessThanOrEqual':
      return compare('<=');
    case 'Contains':
      return contains();
    case 'NotContains':
      return `(${contains()} IS NOT TRUE)`;
    case 'StartsWith': {
      const s = params.add(v);
      return `(CASE WHEN ${typeOf} = 'string' THEN left(${text}, char_length(${s}::text)) = ${s}::text ELSE false END)`;
    }
    case 'EndsWith': {
      const s = params.add(v);
      return `(CASE WHEN ${typeOf} = 'string' THEN right(${text}, char_length(${s}::text)) = ${s}::text ELSE false END)`;
    }
    case 'Matches':
      return `(CASE WHEN ${typeOf} = 'string' THEN ${text} ~ ${params.add(v)}::text ELSE false END)`;
    case 'In':
      return `(${inList()})`;
    case 'NotIn':
      return `(NOT ${inList()})`;
    case 'IsNull':
      return `(${p} IS NULL OR ${typeOf} = 'null')`;
    case 'IsNotNull':
      return `(${p} IS NOT NULL AND ${typeOf} <> 'null')`;
  }
}

/** A step of a pattern walked from its targets back towards the roots (see `patternCte`). */
function backwardStep(p: RelationshipPattern, node: string): string {
  switch (p.direction) {
    case 'Outgoing':
      return `(r.target_id = ${node} OR (NOT r.is_directed AND r.source_id = ${node}))`;
    case 'Incoming':
      return `(r.source_id = ${node} OR (NOT r.is_directed AND r.target_id = ${node}))`;
    case 'Both':
      return `(r.source_id = ${node} OR r.target_id = ${node})`;
  }
}

function relationshipConditions(p: RelationshipPattern, params: Params): string {
  const out: string[] = [];
  if (p.type !== undefined) out.push(`r.type = ${params.add(p.type)}`);
  if (p.minWeight !== undefined) out.push(`r.weight >= ${params.add(p.minWeight)}`);
  if (p.maxWeight !== undefined) out.push(`r.weight <= ${params.add(p.maxWeight)}`);
  return out.length === 0 ? '' : ` AND ${out.join(' AND ')}`;
}

/**
 * `pattern_i(id, depth)`: entities from which a target of the pattern is reachable in `depth` steps,
 * computed from the targets backwards (depth-bounded, so cycles terminate).
 */
function patternCte(i: number, p: RelationshipPattern, maxDepth: number, params: Params): string {
  const targetConds = [
    ...(p.targetEntityType === undefined ? [] : [`t.type = ${params.add(p.targetEntityType)}`]),
    ...p.targetFilters.map((f) => filterSql('t', f, params)),
  ];
  const name = `pattern_${i}`;
  return `${name}(id, depth) AS (
    SELECT t.id, 0 FROM graph_entities t${targetConds.length === 0 ? '' : ` WHERE ${targetConds.join(' AND ')}`}
    UNION
    SELECT CASE WHEN r.target_id = w.id THEN r.source_id ELSE r.target_id END, w.depth + 1
    FROM ${name} w JOIN graph_relationships r ON ${backwardStep(p, 'w.id')}${relationshipConditions(p, params)}
    WHERE w.depth < ${maxDepth})`;
}

export interface BuiltQuery {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * The statement that executes a plan: total and one page of root ids. The root set is a
 * MATERIALIZED CTE so that paging (`ORDER BY id LIMIT`) cannot make PostgreSQL trade the planned
 * access path for a walk of the primary key.
 */
export function buildQuerySql(
  query: GraphQuery,
  plan: QueryPlan,
  residual: readonly PropertyFilter[],
): BuiltQuery {
  const params = new Params();
  const ctes = query.relationshipPatterns.map((p, i) => patternCte(i, p, query.maxDepth, params));
  const where: string[] = [];
  if (plan.accessPath === 'PropertyIndex' && plan.drivingFilter !== null) {
    where.push(filterSql('e', plan.drivingFilter, params, true));
  }
  if (query.entityType !== undefined) {
    const t = params.add(query.entityType);
    // A sequential scan must not be turned back into an index scan by PostgreSQL: the type test is
    // written so that no index matches it unless the plan reads the type index.
    where.push(plan.accessPath === 'TypeIndex' ? `e.type = ${t}` : `(e.type || '') = ${t}`);
  }
  for (const f of residual) where.push(filterSql('e', f, params));
  query.relationshipPatterns.forEach((_p, i) => {
    where.push(`e.id IN (SELECT id FROM pattern_${i} WHERE depth >= 1)`);
  });
  const limit = params.add(query.pageSize);
  const offset = params.add(query.skip);
  const sql = `WITH RECURSIVE ${[
    ...ctes,
    `matched AS MATERIALIZED (SELECT e.id FROM graph_entities e${
      where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`
    })`,
  ].join(',\n')}
SELECT (SELECT count(*) FROM matched)::int AS total,
       coalesce((SELECT json_agg(id) FROM (SELECT id FROM matched ORDER BY id LIMIT ${limit} OFFSET ${offset}) page), '[]') AS ids`;
  return { sql, params: params.values };
}

/** The relationships by which the page's roots match each pattern (their first hop). */
export function buildPatternRelationshipsSql(
  query: GraphQuery,
  rootIds: readonly string[],
): BuiltQuery | null {
  if (query.relationshipPatterns.length === 0 || rootIds.length === 0) return null;
  const params = new Params();
  const ctes = query.relationshipPatterns.map((p, i) => patternCte(i, p, query.maxDepth, params));
  const roots = params.add(rootIds);
  const selects = query.relationshipPatterns.map((p, i) => {
    const forward =
      p.direction === 'Outgoing'
        ? `((r.source_id = ANY(${roots}::uuid[]) AND r.target_id = w.id) OR (NOT r.is_directed AND r.target_id = ANY(${roots}::uuid[]) AND r.source_id = w.id))`
        : p.direction === 'Incoming'
          ? `((r.target_id = ANY(${roots}::uuid[]) AND r.source_id = w.id) OR (NOT r.is_directed AND r.source_id = ANY(${roots}::uuid[]) AND r.target_id = w.id))`
          : `((r.source_id = ANY(${roots}::uuid[]) AND r.target_id = w.id) OR (r.target_id = ANY(${roots}::uuid[]) AND r.source_id = w.id))`;
    return `SELECT r.id FROM graph_relationships r JOIN pattern_${i} w ON ${forward}${relationshipConditions(p, params)} WHERE w.depth <= ${query.maxDepth - 1}`;
  });
  return {
    sql: `WITH RECURSIVE ${ctes.join(',\n')}\n${selects.join('\nUNION\n')}`,
    params: params.values,
  };
}
