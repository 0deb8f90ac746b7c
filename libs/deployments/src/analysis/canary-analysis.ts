/** Canary analysis (deployments spec §5): canary vs baseline over the same window. */

export type AnalysisMetric = 'errorRate' | 'latencyP95Ms' | 'cpuPercent' | 'memoryPercent';

export const ANALYSIS_METRICS: readonly AnalysisMetric[] = [
  'errorRate',
  'latencyP95Ms',
  'cpuPercent',
  'memoryPercent',
];

export interface AnalysisThresholds {
  /** Largest allowed relative increase, in percent, per metric. */
  readonly errorRate: number;
  readonly latencyP95Ms: number;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
}

export const DEFAULT_THRESHOLDS: AnalysisThresholds = {
  errorRate: 50,
  latencyP95Ms: 100,
  cpuPercent: 30,
  memoryPercent: 30,
};

/** The floor of the denominator per metric, so a zero baseline never divides by zero. */
export const BASELINE_FLOORS: Readonly<Record<AnalysisMetric, number>> = {
  errorRate: 0.1,
  latencyP95Ms: 1,
  cpuPercent: 1,
  memoryPercent: 1,
};

export interface MetricSample {
  readonly nodeId: string;
  readonly errorRate: number;
  readonly latencyP95Ms: number;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
}

export interface MetricComparison {
  readonly metric: AnalysisMetric;
  readonly baseline: number;
  readonly canary: number;
  /** (canary − baseline) / max(baseline, floor) × 100. */
  readonly increasePercent: number;
  readonly threshold: number;
  readonly passed: boolean;
}

export type AnalysisVerdict = 'pass' | 'fail' | 'inconclusive';

export interface AnalysisResult {
  readonly verdict: AnalysisVerdict;
  readonly reason: string;
  readonly comparisons: readonly MetricComparison[];
  readonly canarySamples: number;
  readonly baselineSamples: number;
}

/** Relative increase in percent; decreases are negative; always finite. */
export function relativeIncrease(metric: AnalysisMetric, baseline: number, canary: number): number {
  const denominator = Math.max(baseline, BASELINE_FLOORS[metric]);
  const value = ((canary - baseline) / denominator) * 100;
  return Number.isFinite(value) ? value : 0;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function samplesPerNode(samples: readonly MetricSample[]): Map<string, MetricSample[]> {
  const byNode = new Map<string, MetricSample[]>();
  for (const sample of samples) {
    const list = byNode.get(sample.nodeId) ?? [];
    list.push(sample);
    byNode.set(sample.nodeId, list);
  }
  return byNode;
}

export interface AnalysisInput {
  readonly canaryNodeIds: readonly string[];
  readonly canary: readonly MetricSample[];
  readonly baselineNodeIds: readonly string[];
  readonly baseline: readonly MetricSample[];
  readonly thresholds: AnalysisThresholds;
  /** Samples each node needs in the window (default 3). */
  readonly minSamples: number;
}

/**
 * Compares canary and baseline means per metric. Too few samples on any node → inconclusive (never a
 * guess); any metric over its threshold → fail; otherwise pass. Decreases always pass.
 */
export function analyseCanary(input: AnalysisInput): AnalysisResult {
  const canaryIds = new Set(input.canaryNodeIds);
  const baselineIds = new Set(input.baselineNodeIds);
  const canaryByNode = samplesPerNode(input.canary.filter((s) => canaryIds.has(s.nodeId)));
  const baselineByNode = samplesPerNode(input.baseline.filter((s) => baselineIds.has(s.nodeId)));
  const short = [
    ...input.canaryNodeIds.filter((id) => (canaryByNode.get(id)?.length ?? 0) < input.minSamples),
    ...input.baselineNodeIds.filter((id) => (baselineByNode.get(id)?.length ?? 0) < input.minSamples),
  ];
  const canarySamples = [...canaryByNode.values()].flat();
  const baselineSamples = [...baselineByNode.values()].flat();
  if (input.canaryNodeIds.length === 0 || input.baselineNodeIds.length === 0 || short.length > 0) {
    return {
      verdict: 'inconclusive',
      reason:
        short.length > 0
          ? `${short.length} node(s) have fewer than ${input.minSamples} samples in the window`
          : 'no canary or no baseline nodes to compare',
      comparisons: [],
      canarySamples: canarySamples.length,
      baselineSamples: baselineSamples.length,
    };
  }
  const comparisons = ANALYSIS_METRICS.map((metric): MetricComparison => {
    const baseline = mean(baselineSamples.map((s) => s[metric]));
    const canary = mean(canarySamples.map((s) => s[metric]));
    const increasePercent = relativeIncrease(metric, baseline, canary);
    const threshold = input.thresholds[metric];
    return { metric, baseline, canary, increasePercent, threshold, passed: increasePercent <= threshold };
  });
  const failed = comparisons.filter((c) => !c.passed);
  return {
    verdict: failed.length > 0 ? 'fail' : 'pass',
    reason:
      failed.length > 0
        ? failed
            .map((c) => `${c.metric} rose ${c.increasePercent.toFixed(1)}% (limit ${c.threshold}%)`)
            .join('; ')
        : 'every metric within its threshold',
    comparisons,
    canarySamples: canarySamples.length,
    baselineSamples: baselineSamples.length,
  };
}
