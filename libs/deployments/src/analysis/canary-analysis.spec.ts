import fc from 'fast-check';
import { analyseCanary, DEFAULT_THRESHOLDS, relativeIncrease, type MetricSample } from './canary-analysis';

const healthy = { errorRate: 1, latencyP95Ms: 100, cpuPercent: 40, memoryPercent: 50 };

function samples(nodeIds: string[], values: Omit<MetricSample, 'nodeId'>, perNode = 3): MetricSample[] {
  return nodeIds.flatMap((nodeId) => Array.from({ length: perNode }, () => ({ nodeId, ...values })));
}

function analyse(canaryValues: Omit<MetricSample, 'nodeId'>, baselineValues = healthy, perNode = 3) {
  const canaryNodeIds = ['c1', 'c2'];
  const baselineNodeIds = ['b1', 'b2', 'b3'];
  return analyseCanary({
    canaryNodeIds,
    canary: samples(canaryNodeIds, canaryValues, perNode),
    baselineNodeIds,
    baseline: samples(baselineNodeIds, baselineValues),
    thresholds: DEFAULT_THRESHOLDS,
    minSamples: 3,
  });
}

describe('analyseCanary', () => {
  it.each([
    ['error rate ×2', { ...healthy, errorRate: 2 }, 'fail', 'errorRate'],
    ['latency ×2.5', { ...healthy, latencyP95Ms: 250 }, 'fail', 'latencyP95Ms'],
    ['cpu +40 %', { ...healthy, cpuPercent: 56 }, 'fail', 'cpuPercent'],
    ['memory +41 %', { ...healthy, memoryPercent: 70.5 }, 'fail', 'memoryPercent'],
    ['cpu −10 %', { ...healthy, cpuPercent: 36 }, 'pass', undefined],
    ['latency −5 %', { ...healthy, latencyP95Ms: 95 }, 'pass', undefined],
    ['identical', healthy, 'pass', undefined],
  ] as const)('%s → %s', (_label, canary, verdict, failingMetric) => {
    const result = analyse(canary);
    expect(result.verdict).toBe(verdict);
    if (failingMetric !== undefined) {
      expect(result.comparisons.filter((c) => !c.passed).map((c) => c.metric)).toEqual([failingMetric]);
      expect(result.reason).toContain(failingMetric);
    }
  });

  it('never yields NaN or Infinity with a zero baseline', () => {
    const zero = { errorRate: 0, latencyP95Ms: 0, cpuPercent: 0, memoryPercent: 0 };
    const result = analyse({ errorRate: 0.04, latencyP95Ms: 0.5, cpuPercent: 0.2, memoryPercent: 0.3 }, zero);
    for (const c of result.comparisons) expect(Number.isFinite(c.increasePercent)).toBe(true);
    expect(result.verdict).toBe('pass');
    expect(analyse(zero, zero).verdict).toBe('pass');
  });

  it('is inconclusive with too few samples per node', () => {
    const result = analyse(healthy, healthy, 2);
    expect(result.verdict).toBe('inconclusive');
    expect(result.comparisons).toEqual([]);
  });

  it('is inconclusive without a baseline', () => {
    expect(
      analyseCanary({
        canaryNodeIds: ['c'],
        canary: samples(['c'], healthy),
        baselineNodeIds: [],
        baseline: [],
        thresholds: DEFAULT_THRESHOLDS,
        minSamples: 3,
      }).verdict,
    ).toBe('inconclusive');
  });
});

describe('relativeIncrease', () => {
  it('is finite for any non-negative inputs, and negative for decreases', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('errorRate', 'latencyP95Ms', 'cpuPercent', 'memoryPercent' as const),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (metric, base, canary) => {
          const value = relativeIncrease(metric, base, canary);
          expect(Number.isFinite(value)).toBe(true);
          if (canary < base) expect(value).toBeLessThan(0);
        },
      ),
    );
  });
});
