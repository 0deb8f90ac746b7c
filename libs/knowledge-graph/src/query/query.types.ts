export const FILTER_OPERATORS = [
  'Equals',
  'NotEquals',
  'GreaterThan',
  'GreaterThanOrEqual',
  'LessThan',
  'LessThanOrEqual',
  'Contains',
  'NotContains',
  'StartsWith',
  'EndsWith',
  'Matches',
  'In',
  'NotIn',
  'IsNull',
  'IsNotNull',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export const PATTERN_DIRECTIONS = ['Outgoing', 'Incoming', 'Both'] as const;
export type PatternDirection = (typeof PATTERN_DIRECTIONS)[number];

export interface PropertyFilter {
  readonly property: string;
  readonly operator: FilterOperator;
  readonly value?: unknown;
}

export interface RelationshipPattern {
  readonly type?: string;
  readonly direction: PatternDirection;
  readonly targetEntityType?: string;
  readonly targetFilters: readonly PropertyFilter[];
  readonly minWeight?: number;
  readonly maxWeight?: number;
}

export interface GraphQuery {
  readonly entityType?: string;
  readonly filters: readonly PropertyFilter[];
  readonly relationshipPatterns: readonly RelationshipPattern[];
  /** Hops a relationship pattern may take to reach its target (1–5). */
  readonly maxDepth: number;
  readonly pageSize: number;
  readonly skip: number;
  readonly timeoutMs: number;
}

export const QUERY_LIMITS = {
  filters: 32,
  patterns: 4,
  maxDepth: 5,
  pageSize: 200,
  defaultPageSize: 50,
  timeoutMs: 30_000,
  defaultTimeoutMs: 5_000,
};

export type AccessPath = 'PropertyIndex' | 'TypeIndex' | 'SeqScan';

export interface PlanStep {
  readonly kind: 'IndexLookup' | 'Filter' | 'PatternSemiJoin';
  readonly description: string;
  readonly estimatedSelectivity: number;
}

export interface QueryPlan {
  readonly accessPath: AccessPath;
  /** The index the access path reads (PropertyIndex, TypeIndex). */
  readonly index: string | null;
  /** The filter the index answers (PropertyIndex). */
  readonly drivingFilter: PropertyFilter | null;
  readonly steps: PlanStep[];
  readonly estimatedRows: number;
  /** Estimated cost of every access path considered, the chosen one lowest. */
  readonly candidates: { accessPath: AccessPath; filter?: string; cost: number }[];
  readonly statistics: { analyzedAt: string; totalEntities: number; sampledRows: number };
}
