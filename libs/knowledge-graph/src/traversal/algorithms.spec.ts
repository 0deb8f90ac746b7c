import fc from 'fast-check';
import { AdjacencySnapshot } from './adjacency-snapshot';
import { allSimplePaths, bfs, dijkstra, neighbourhood } from './algorithms';

/** Entities named by one letter; ids are derived UUIDs so the snapshot's id table is exercised. */
const uuid = (name: string) => `00000000-0000-4000-8000-${name.charCodeAt(0).toString(16).padStart(12, '0')}`;
const nameOf = (id: string) => String.fromCharCode(parseInt(id.slice(-12), 16));

type Edge = [from: string, to: string, weight: number, directed?: boolean];

function graph(edges: Edge[], extra: string[] = []): AdjacencySnapshot {
  const names = [...new Set([...edges.flatMap(([a, b]) => [a, b]), ...extra])];
  return AdjacencySnapshot.of(
    1,
    names.map((n) => ({ id: uuid(n), type: n === 'Z' ? 'Other' : 'Service' })),
    edges.map(([a, b, w, directed], i) => ({
      id: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      type: 'calls',
      sourceId: uuid(a),
      targetId: uuid(b),
      weight: w,
      isDirected: directed ?? true,
    })),
  );
}

const at = (s: AdjacencySnapshot, name: string) => s.indexOf(uuid(name)) ?? -1;
const names = (s: AdjacencySnapshot, nodes: number[]) => nodes.map((n) => nameOf(s.entityId(n))).join('');

describe('shortest paths (Dijkstra by default)', () => {
  it.each<[string, Edge[], string, string, string, number]>([
    [
      'A→B→D (1+1) beats A→C→D (10+1)',
      [
        ['A', 'B', 1],
        ['B', 'D', 1],
        ['A', 'C', 10],
        ['C', 'D', 1],
      ],
      'A',
      'D',
      'ABD',
      2,
    ],
    [
      'direct A→B (5) loses to A→C→B (2+2)',
      [
        ['A', 'B', 5],
        ['A', 'C', 2],
        ['C', 'B', 2],
      ],
      'A',
      'B',
      'ACB',
      4,
    ],
    [
      'diamond 11 / 7 / 6 → 6',
      [
        ['A', 'B', 5],
        ['B', 'D', 6],
        ['A', 'C', 3],
        ['C', 'D', 4],
        ['A', 'E', 1],
        ['E', 'D', 5],
      ],
      'A',
      'D',
      'AED',
      6,
    ],
    ['from = to → one entity, weight 0', [['A', 'B', 1]], 'A', 'A', 'A', 0],
    ['an undirected edge is usable against its direction', [['B', 'A', 3, false]], 'A', 'B', 'AB', 3],
    ['an undirected edge is usable along its direction', [['A', 'B', 3, false]], 'A', 'B', 'AB', 3],
  ])('%s', (_name, edges, from, to, expected, weight) => {
    const s = graph(edges);
    const path = dijkstra(s, at(s, from), at(s, to), 'outgoing');
    expect(path).not.toBeNull();
    expect(names(s, path?.nodes ?? [])).toBe(expected);
    expect(path?.totalWeight).toBe(weight);
    expect(path?.rels.length).toBe(expected.length - 1);
  });

  it('finds no path against a directed edge, but one when following incoming edges', () => {
    const s = graph([['B', 'A', 1]]);
    expect(dijkstra(s, at(s, 'A'), at(s, 'B'), 'outgoing')).toBeNull();
    expect(names(s, dijkstra(s, at(s, 'A'), at(s, 'B'), 'incoming')?.nodes ?? [])).toBe('AB');
  });

  it('finds no path between disconnected entities', () => {
    const s = graph([['A', 'B', 1]], ['C']);
    expect(dijkstra(s, at(s, 'A'), at(s, 'C'), 'both')).toBeNull();
    expect(bfs(s, at(s, 'A'), at(s, 'C'), 'both')).toBeNull();
  });

  it('BFS (weighted=false) takes the fewest hops whatever the weights', () => {
    const s = graph([
      ['A', 'B', 5],
      ['A', 'C', 2],
      ['C', 'B', 2],
    ]);
    const path = bfs(s, at(s, 'A'), at(s, 'B'), 'outgoing');
    expect(names(s, path?.nodes ?? [])).toBe('AB');
    expect(path?.totalWeight).toBe(5);
  });
});

describe('all simple paths', () => {
  it('returns both 2-hop paths', () => {
    const s = graph([
      ['A', 'B', 1],
      ['B', 'D', 1],
      ['A', 'C', 1],
      ['C', 'D', 1],
    ]);
    const paths = allSimplePaths(s, at(s, 'A'), at(s, 'D'), 'outgoing', 5, 100).map((p) => names(s, p.nodes));
    expect(paths.sort()).toEqual(['ABD', 'ACD']);
  });

  it('returns none for a 3-hop path with maxDepth 2', () => {
    const s = graph([
      ['A', 'B', 1],
      ['B', 'C', 1],
      ['C', 'D', 1],
    ]);
    expect(allSimplePaths(s, at(s, 'A'), at(s, 'D'), 'outgoing', 2, 100)).toEqual([]);
    expect(allSimplePaths(s, at(s, 'A'), at(s, 'D'), 'outgoing', 3, 100)).toHaveLength(1);
  });

  it('never loops on a cycle A→B→A', () => {
    const s = graph([
      ['A', 'B', 1],
      ['B', 'A', 1],
      ['B', 'C', 1],
    ]);
    const paths = allSimplePaths(s, at(s, 'A'), at(s, 'C'), 'both', 10, 100).map((p) => names(s, p.nodes));
    expect(paths).toEqual(['ABC', 'ABC']); // through each of the two A–B relationships
  });
});

describe('neighbourhood', () => {
  it('reaches k hops out, respects direction and filters entity types', () => {
    const s = graph([
      ['A', 'B', 1],
      ['B', 'C', 1],
      ['C', 'D', 1],
      ['Z', 'A', 1],
    ]);
    const two = neighbourhood(s, at(s, 'A'), 2, 'outgoing');
    expect(two.nodes.map((n) => `${nameOf(s.entityId(n.index))}${n.depth}`).sort()).toEqual(['B1', 'C2']);
    const both = neighbourhood(s, at(s, 'A'), 1, 'both');
    expect(both.nodes.map((n) => nameOf(s.entityId(n.index))).sort()).toEqual(['B', 'Z']);
    const typed = neighbourhood(s, at(s, 'A'), 1, 'both', new Set(['Other']));
    expect(typed.nodes.map((n) => nameOf(s.entityId(n.index)))).toEqual(['Z']);
  });
});

describe('bidirectional Dijkstra against Bellman–Ford (property)', () => {
  const letters = 'ABCDEFGHIJKL';

  it('finds a valid path of the minimum total weight, or none exactly when none exists', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.nat({ max: 11 }), fc.nat({ max: 11 }), fc.integer({ min: 0, max: 10 }), fc.boolean()),
          { maxLength: 30 },
        ),
        fc.nat({ max: 11 }),
        fc.nat({ max: 11 }),
        fc.constantFrom<'outgoing' | 'incoming' | 'both'>('outgoing', 'incoming', 'both'),
        (edges, a, b, direction) => {
          const s = graph(
            edges.map(([x, y, w, d]) => [letters[x] ?? 'A', letters[y] ?? 'A', w, d]),
            [...letters],
          );
          const from = at(s, letters[a] ?? 'A');
          const to = at(s, letters[b] ?? 'A');
          // Bellman–Ford over the same steps.
          const dist = new Array<number>(s.entityCount).fill(Infinity);
          dist[from] = 0;
          for (let i = 0; i < s.entityCount; i++) {
            for (let u = 0; u < s.entityCount; u++) {
              const du = dist[u] ?? Infinity;
              if (du === Infinity) continue;
              s.forEachStep(u, direction, (v, rel) => {
                const c = du + (s.relWeight[rel] ?? 0);
                if (c < (dist[v] ?? Infinity)) dist[v] = c;
              });
            }
          }
          const path = dijkstra(s, from, to, direction);
          const expected = dist[to] ?? Infinity;
          if (expected === Infinity) return path === null;
          if (path === null || path.totalWeight !== expected) return false;
          // Each step is a real step of that direction.
          return path.rels.every((rel, i) => {
            let ok = false;
            s.forEachStep(path.nodes[i] ?? -1, direction, (v, r) => {
              if (r === rel && v === path.nodes[i + 1]) ok = true;
            });
            return ok;
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
