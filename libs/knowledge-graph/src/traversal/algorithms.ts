import type { Direction } from '../graph.types';
import type { AdjacencySnapshot } from './adjacency-snapshot';

/** A path as snapshot indexes: `nodes[i]` —`rels[i]`→ `nodes[i + 1]`. */
export interface IndexPath {
  readonly nodes: number[];
  readonly rels: number[];
  readonly totalWeight: number;
}

/** A binary min-heap of (priority, node) on typed arrays; lazy deletion (stale entries skipped). */
class MinHeap {
  private keys = new Float64Array(64);
  private vals = new Int32Array(64);
  size = 0;

  push(key: number, val: number): void {
    if (this.size === this.keys.length) {
      const k = new Float64Array(this.size * 2);
      k.set(this.keys);
      this.keys = k;
      const v = new Int32Array(this.size * 2);
      v.set(this.vals);
      this.vals = v;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((this.keys[p] ?? 0) <= key) break;
      this.keys[i] = this.keys[p] ?? 0;
      this.vals[i] = this.vals[p] ?? 0;
      i = p;
    }
    this.keys[i] = key;
    this.vals[i] = val;
  }

  peekKey(): number {
    return this.keys[0] ?? Infinity;
  }

  /** Removes the minimum; returns its node, its key in `topKey`. */
  topKey = 0;
  pop(): number {
    const val = this.vals[0] ?? 0;
    this.topKey = this.keys[0] ?? 0;
    const lastKey = this.keys[--this.size] ?? 0;
    const lastVal = this.vals[this.size] ?? 0;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && (this.keys[r] ?? 0) < (this.keys[l] ?? 0) ? r : l;
      if ((this.keys[c] ?? 0) >= lastKey) break;
      this.keys[i] = this.keys[c] ?? 0;
      this.vals[i] = this.vals[c] ?? 0;
      i = c;
    }
    this.keys[i] = lastKey;
    this.vals[i] = lastVal;
    return val;
  }
}

function unwind(
  snapshot: AdjacencySnapshot,
  to: number,
  prevNode: Int32Array,
  prevRel: Int32Array,
): IndexPath {
  const nodes = [to];
  const rels: number[] = [];
  let totalWeight = 0;
  let at = to;
  while ((prevNode[at] ?? -1) >= 0) {
    const rel = prevRel[at] ?? 0;
    rels.push(rel);
    totalWeight += snapshot.relWeight[rel] ?? 0;
    at = prevNode[at] ?? -1;
    nodes.push(at);
  }
  return { nodes: nodes.reverse(), rels: rels.reverse(), totalWeight };
}

const REVERSE: Record<Direction, Direction> = { outgoing: 'incoming', incoming: 'outgoing', both: 'both' };

/** One side of a bidirectional search. */
class Search {
  readonly dist: Float64Array;
  readonly prevNode: Int32Array;
  readonly prevRel: Int32Array;
  readonly done: Uint8Array;
  readonly heap = new MinHeap();

  constructor(
    n: number,
    start: number,
    readonly direction: Direction,
  ) {
    this.dist = new Float64Array(n).fill(Infinity);
    this.prevNode = new Int32Array(n).fill(-1);
    this.prevRel = new Int32Array(n).fill(-1);
    this.done = new Uint8Array(n);
    this.dist[start] = 0;
    this.heap.push(0, start);
  }

  get minKey(): number {
    return this.heap.size === 0 ? Infinity : this.heap.peekKey();
  }
}

/**
 * Dijkstra (weights ≥ 0), bidirectional: one search forward from `from`, one backward from `to` on
 * the reversed directions, each settling the side with the smaller frontier; it stops once the two
 * smallest tentative distances add up to no less than the best meeting found — which is then
 * optimal. On a graph with random structure this settles a small fraction of what a one-sided
 * search would.
 */
export function dijkstra(
  snapshot: AdjacencySnapshot,
  from: number,
  to: number,
  direction: Direction,
): IndexPath | null {
  if (from === to) return { nodes: [from], rels: [], totalWeight: 0 };
  const n = snapshot.entityCount;
  const forward = new Search(n, from, direction);
  const backward = new Search(n, to, REVERSE[direction]);
  let best = Infinity;
  let meet = -1;
  while (forward.heap.size > 0 && backward.heap.size > 0) {
    if (forward.minKey + backward.minKey >= best) break;
    const [side, other] = forward.heap.size <= backward.heap.size ? [forward, backward] : [backward, forward];
    const u = side.heap.pop();
    if (side.done[u] === 1) continue;
    side.done[u] = 1;
    const du = side.heap.topKey;
    snapshot.forEachStep(u, side.direction, (v, rel) => {
      const candidate = du + (snapshot.relWeight[rel] ?? 0);
      const through = candidate + (other.dist[v] ?? Infinity);
      if (through < best) {
        best = through;
        meet = v;
      }
      if (side.done[v] === 1 || candidate >= (side.dist[v] ?? Infinity)) return;
      side.dist[v] = candidate;
      side.prevNode[v] = u;
      side.prevRel[v] = rel;
      side.heap.push(candidate, v);
    });
  }
  if (meet < 0) return null;
  // A meeting found while relaxing may have a better predecessor chain recorded since; both chains
  // below are the settled shortest ones for their sides at the end.
  const head = unwind(snapshot, meet, forward.prevNode, forward.prevRel);
  const nodes = [...head.nodes];
  const rels = [...head.rels];
  let at = meet;
  while ((backward.prevNode[at] ?? -1) >= 0) {
    rels.push(backward.prevRel[at] ?? 0);
    at = backward.prevNode[at] ?? -1;
    nodes.push(at);
  }
  const totalWeight = rels.reduce((sum, r) => sum + (snapshot.relWeight[r] ?? 0), 0);
  return { nodes, rels, totalWeight };
}

/** Breadth-first: the path with the fewest hops (weights only summed for the answer). */
export function bfs(
  snapshot: AdjacencySnapshot,
  from: number,
  to: number,
  direction: Direction,
): IndexPath | null {
  if (from === to) return { nodes: [from], rels: [], totalWeight: 0 };
  const n = snapshot.entityCount;
  const prevNode = new Int32Array(n).fill(-1);
  const prevRel = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  let frontier = [from];
  seen[from] = 1;
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const u of frontier) {
      let found = false;
      snapshot.forEachStep(u, direction, (v, rel) => {
        if (seen[v] === 1) return;
        seen[v] = 1;
        prevNode[v] = u;
        prevRel[v] = rel;
        if (v === to) found = true;
        next.push(v);
      });
      if (found) return unwind(snapshot, to, prevNode, prevRel);
    }
    frontier = next;
  }
  return null;
}

/** Every simple path (no entity twice) of at most `maxDepth` hops, up to `limit` of them. */
export function allSimplePaths(
  snapshot: AdjacencySnapshot,
  from: number,
  to: number,
  direction: Direction,
  maxDepth: number,
  limit: number,
): IndexPath[] {
  const out: IndexPath[] = [];
  if (from === to) return [{ nodes: [from], rels: [], totalWeight: 0 }];
  const onPath = new Set<number>([from]);
  const nodes = [from];
  const rels: number[] = [];
  const walk = (u: number, weight: number): void => {
    if (out.length >= limit || rels.length >= maxDepth) return;
    const steps: [number, number][] = [];
    snapshot.forEachStep(u, direction, (v, rel) => steps.push([v, rel]));
    for (const [v, rel] of steps) {
      if (out.length >= limit) return;
      if (onPath.has(v)) continue;
      const w = weight + (snapshot.relWeight[rel] ?? 0);
      nodes.push(v);
      rels.push(rel);
      if (v === to) out.push({ nodes: [...nodes], rels: [...rels], totalWeight: w });
      else {
        onPath.add(v);
        walk(v, w);
        onPath.delete(v);
      }
      nodes.pop();
      rels.pop();
    }
  };
  walk(from, 0);
  return out;
}

export interface Neighbourhood {
  /** Reached entities (not the start) with their hop distance. */
  readonly nodes: { index: number; depth: number }[];
  /** Relationships traversed to reach them (the BFS tree edges and edges between reached entities). */
  readonly rels: number[];
}

/** Entities within `depth` hops, breadth-first; `typeFilter` keeps only entities of those types. */
export function neighbourhood(
  snapshot: AdjacencySnapshot,
  from: number,
  depth: number,
  direction: Direction,
  typeFilter?: ReadonlySet<string>,
): Neighbourhood {
  // Hop distance + 1 per entity (0: not reached); a typed array is far cheaper than a Map here.
  const reached = new Uint8Array(snapshot.entityCount);
  reached[from] = 1;
  const nodes: { index: number; depth: number }[] = [];
  const rels: number[] = [];
  let frontier = [from];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: number[] = [];
    for (const u of frontier) {
      snapshot.forEachStep(u, direction, (v, rel) => {
        if (reached[v] !== 0) return;
        reached[v] = d + 1;
        next.push(v);
        rels.push(rel);
        if (typeFilter === undefined || typeFilter.has(snapshot.entityTypeOf(v)))
          nodes.push({ index: v, depth: d });
      });
    }
    frontier = next;
  }
  return { nodes, rels };
}
