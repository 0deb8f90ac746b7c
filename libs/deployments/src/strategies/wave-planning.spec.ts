import fc from 'fast-check';
import { canaryTargets, canaryWaves, rollingBatches, stableOrder } from './wave-planning';

const nodes = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, name: `node-${String(i).padStart(3, '0')}` }));

describe('canaryTargets', () => {
  it.each([
    [20, [10, 30, 50, 100], [2, 6, 10, 20]],
    [20, [10, 40, 100], [2, 8, 20]],
    [2, [10, 30, 50, 100], [1, 2]],
    [3, [10, 30, 50, 100], [1, 2, 3]],
    [4, [10, 30, 50, 100], [1, 2, 3, 4]],
    [1, [10, 30, 50, 100], [1]],
    [10, [50], [5, 10]],
    [0, [10, 100], []],
  ])('%i nodes with steps %j → %j', (total, steps, expected) => {
    expect(canaryTargets(total, steps)).toEqual(expected);
  });

  it('always ends with every node, grows strictly, and never exceeds the fleet', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc
          .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 })
          .map((s) => s.sort((a, b) => a - b)),
        (total, steps) => {
          const targets = canaryTargets(total, steps);
          expect(targets[targets.length - 1]).toBe(total);
          for (let i = 1; i < targets.length; i++) expect(targets[i]).toBeGreaterThan(targets[i - 1] ?? 0);
          expect(targets.length).toBeLessThanOrEqual(steps.length + 1);
        },
      ),
    );
  });
});

describe('canaryWaves', () => {
  it('covers every node exactly once, in stable order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
        const all = nodes(n).reverse();
        const waves = canaryWaves(all, [10, 30, 50, 100]);
        expect(waves.flat().map((x) => x.id)).toEqual(stableOrder(all).map((x) => x.id));
      }),
    );
  });
});

describe('rollingBatches', () => {
  it.each([
    [5, 2, [2, 2, 1]],
    [4, 2, [2, 2]],
    [10, '25%', [3, 3, 3, 1]],
    [3, 10, [3]],
    [1, '10%', [1]],
  ] as const)('%i nodes, batch %s → %j', (n, size, sizes) => {
    expect(rollingBatches(nodes(n), size).map((b) => b.length)).toEqual(sizes);
  });

  it('orders nodes by name', () => {
    const batches = rollingBatches(
      [
        { id: 'c', name: 'web-3' },
        { id: 'a', name: 'web-1' },
        { id: 'b', name: 'web-2' },
      ],
      2,
    );
    expect(batches.map((b) => b.map((x) => x.name))).toEqual([['web-1', 'web-2'], ['web-3']]);
  });
});
