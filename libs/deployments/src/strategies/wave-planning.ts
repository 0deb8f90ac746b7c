/** Pure planning of which nodes each step of a rollout touches (deployments spec §4). */

export interface PlannedNode {
  readonly id: string;
  readonly name: string;
}

/** Nodes in the stable order every strategy uses: by name, then id. */
export function stableOrder<N extends PlannedNode>(nodes: readonly N[]): N[] {
  return [...nodes].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

/** A batch size as a count of nodes (`3`) or a share of the fleet (`"25%"`). */
export type BatchSize = number | `${number}%`;

export function batchCount(size: BatchSize, total: number): number {
  if (typeof size === 'number') return Math.max(1, Math.floor(size));
  const pct = Number(size.slice(0, -1));
  return Math.max(1, Math.ceil((total * pct) / 100));
}

/** Rolling: consecutive batches of `size` in stable order; the last may be smaller. */
export function rollingBatches<N extends PlannedNode>(nodes: readonly N[], size: BatchSize): N[][] {
  const ordered = stableOrder(nodes);
  const per = batchCount(size, ordered.length);
  const batches: N[][] = [];
  for (let i = 0; i < ordered.length; i += per) batches.push(ordered.slice(i, i + per));
  return batches;
}

/**
 * Canary: cumulative node counts for `steps` (percentages). A step's target is ceil(N × pct / 100),
 * at least one node more than the previous step, never more than N; the last step is always every
 * node, so a small fleet never stops early and reports success.
 */
export function canaryTargets(total: number, steps: readonly number[]): number[] {
  if (total <= 0) return [];
  const targets: number[] = [];
  let previous = 0;
  for (const pct of steps) {
    if (previous >= total) break;
    const wanted = Math.ceil((total * pct) / 100);
    const target = Math.min(total, Math.max(wanted, previous + 1));
    targets.push(target);
    previous = target;
  }
  if (previous < total) targets.push(total);
  return targets;
}

/** Canary waves: the nodes each step adds, in stable order. */
export function canaryWaves<N extends PlannedNode>(nodes: readonly N[], steps: readonly number[]): N[][] {
  const ordered = stableOrder(nodes);
  const targets = canaryTargets(ordered.length, steps);
  const waves: N[][] = [];
  let from = 0;
  for (const target of targets) {
    waves.push(ordered.slice(from, target));
    from = target;
  }
  return waves;
}

/** `: a, b, c` for up to ten nodes, nothing for more (messages stay readable at fleet scale). */
export function nameList(nodes: readonly PlannedNode[]): string {
  return nodes.length > 0 && nodes.length <= 10 ? `: ${nodes.map((n) => n.name).join(', ')}` : '';
}
