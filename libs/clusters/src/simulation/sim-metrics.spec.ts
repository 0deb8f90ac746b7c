import type { FaultProfile } from './fault-profiles';
import { baselineMetrics, hash32, simulatedMetrics, unit } from './sim-metrics';

const NODES = Array.from({ length: 20 }, (_, i) => `sim-production-${String(i + 1).padStart(4, '0')}`);
const on = (version: string) => new Map([['payment-processor', version]]);
const triple: FaultProfile[] = [
  { moduleName: 'payment-processor', version: '2.1.0', errorRateMultiplier: 3 },
];

describe('simulated metrics', () => {
  it('hash32 and unit are stable values, not just stable within a run', () => {
    expect(hash32('sim-development-0001')).toBe(hash32('sim-development-0001'));
    expect(hash32('')).toBe(0x811c9dc5);
    expect(hash32('a')).toBe(0xe40c292c);
    for (let i = 0; i < 1_000; i++) {
      const u = unit(7, 'node', i);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it('gives each node a stable baseline, and different nodes different baselines', () => {
    expect(baselineMetrics(1, NODES[0] ?? '')).toEqual(baselineMetrics(1, NODES[0] ?? ''));
    const cpus = new Set(NODES.map((n) => baselineMetrics(1, n).cpuPercent));
    expect(cpus.size).toBe(NODES.length);
    expect(baselineMetrics(2, NODES[0] ?? '')).not.toEqual(baselineMetrics(1, NODES[0] ?? ''));
  });

  it('keeps the nodes of a fleet within ±2 % of each other, so a healthy canary looks like its baseline', () => {
    const many = Array.from({ length: 500 }, (_, i) => `sim-production-${String(i + 1).padStart(5, '0')}`);
    for (const metric of ['cpuPercent', 'memoryPercent', 'latencyP95Ms', 'errorRate'] as const) {
      const values = many.map((n) => baselineMetrics(1, n)[metric]);
      expect(Math.max(...values) / Math.min(...values)).toBeLessThanOrEqual(1.02 / 0.98 + 1e-9);
    }
  });

  it('is a pure function of seed, node, heartbeat number, versions and faults', () => {
    const run = () =>
      NODES.map((n, i) => simulatedMetrics(42, n, i * 3, on(i % 2 ? '2.1.0' : '2.0.0'), triple));
    expect(run()).toEqual(run());
  });

  it('keeps every node healthy without faults, with noise around the baseline', () => {
    for (const node of NODES) {
      for (let beat = 0; beat < 50; beat++) {
        const m = simulatedMetrics(1, node, beat, on('2.0.0'), []);
        const base = baselineMetrics(1, node);
        expect(m.cpuPercent).toBeLessThan(90);
        expect(m.errorRate).toBeLessThan(5);
        expect(Math.abs(m.cpuPercent - base.cpuPercent) / base.cpuPercent).toBeLessThanOrEqual(0.0501);
      }
    }
  });

  it('multiplies the error rate by 3 exactly on the nodes running payment-processor@2.1.0', () => {
    NODES.forEach((node, i) => {
      const version = i < 5 ? '2.1.0' : '2.0.0';
      const plain = simulatedMetrics(1, node, 9, on(version), []);
      const faulted = simulatedMetrics(1, node, 9, on(version), triple);
      if (version === '2.1.0') {
        expect(faulted.errorRate).toBeCloseTo(plain.errorRate * 3, 2);
        expect({ ...faulted, errorRate: 0 }).toEqual({ ...plain, errorRate: 0 });
      } else {
        expect(faulted).toEqual(plain);
      }
    });
  });

  it.each<[string, FaultProfile, (plain: number[], faulted: number[]) => void]>([
    [
      'latencyMultiplier',
      { moduleName: 'payment-processor', version: '2.1.0', latencyMultiplier: 2.5 },
      (p, f) => expect(f[2]).toBeCloseTo((p[2] ?? 0) * 2.5, 2),
    ],
    [
      'cpuDelta',
      { moduleName: 'payment-processor', version: '2.1.0', cpuDelta: 40 },
      (p, f) => expect(f[0]).toBeCloseTo((p[0] ?? 0) + 40, 2),
    ],
    [
      'memoryDelta',
      { moduleName: 'payment-processor', version: '2.1.0', memoryDelta: 30 },
      (p, f) => expect(f[1]).toBeCloseTo((p[1] ?? 0) + 30, 2),
    ],
    [
      'cpuMultiplier',
      { moduleName: 'payment-processor', version: '2.1.0', cpuMultiplier: 1.4 },
      (p, f) => expect(f[0]).toBeCloseTo((p[0] ?? 0) * 1.4, 2),
    ],
    [
      'memoryMultiplier',
      { moduleName: 'payment-processor', version: '2.1.0', memoryMultiplier: 1.41 },
      (p, f) => expect(f[1]).toBeCloseTo((p[1] ?? 0) * 1.41, 2),
    ],
    [
      'unhealthyAfterInstall',
      { moduleName: 'payment-processor', version: '2.1.0', unhealthyAfterInstall: true },
      (_p, f) => expect(f[3]).toBeGreaterThanOrEqual(25),
    ],
  ])('%s shifts the metric of an affected node', (_name, fault, check) => {
    const vector = (faults: FaultProfile[]) => {
      const m = simulatedMetrics(1, 'n1', 1, on('2.1.0'), faults);
      return [m.cpuPercent, m.memoryPercent, m.latencyP95Ms, m.errorRate];
    };
    check(vector([]), vector([fault]));
  });

  it('clamps percentages to 100', () => {
    const m = simulatedMetrics(1, 'n1', 1, on('2.1.0'), [
      { moduleName: 'payment-processor', version: '2.1.0', cpuDelta: 500, errorRateMultiplier: 1_000 },
    ]);
    expect(m.cpuPercent).toBe(100);
    expect(m.errorRate).toBe(100);
  });
});
