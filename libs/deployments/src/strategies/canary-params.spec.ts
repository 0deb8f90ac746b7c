import { DEFAULT_THRESHOLDS } from '../analysis/canary-analysis';
import { CanaryStrategy, THRESHOLD_BOUNDS } from './canary.strategy';

/** Canary thresholds: built-in defaults, under the environment's, under the deployment's, within bounds. */
describe('Canary thresholds: environment defaults and administrator bounds', () => {
  const canary = new CanaryStrategy();
  const environment = { thresholds: { errorRate: 20, cpuPercent: 10 }, thresholdBounds: { errorRate: 60 } };

  it("uses the environment's thresholds where the deployment sets none", () => {
    const parsed = canary.parseParams({}, environment);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.params.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, errorRate: 20, cpuPercent: 10 });
  });

  it("lays a deployment's thresholds over the environment's, key by key", () => {
    const parsed = canary.parseParams({ thresholds: { cpuPercent: 25 } }, environment);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.params.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, errorRate: 20, cpuPercent: 25 });
  });

  it("refuses a deployment's threshold beyond the environment's bound, naming the bound", () => {
    const parsed = canary.parseParams({ thresholds: { errorRate: 80 } }, environment);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      { field: 'strategyParams.thresholds', message: expect.stringContaining('errorRate (≤ 60)') },
    ]);
    // Within the bound it is accepted.
    expect(canary.parseParams({ thresholds: { errorRate: 60 } }, environment).ok).toBe(true);
  });

  it('keeps the built-in limits where the environment sets no bound', () => {
    expect(
      canary.parseParams({ thresholds: { cpuPercent: THRESHOLD_BOUNDS.cpuPercent } }, environment).ok,
    ).toBe(true);
    expect(
      canary.parseParams({ thresholds: { cpuPercent: THRESHOLD_BOUNDS.cpuPercent + 1 } }, environment).ok,
    ).toBe(false);
  });

  it('does not let a deployment set bounds', () => {
    const parsed = canary.parseParams({ thresholdBounds: { errorRate: 500 } }, environment);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.field)).toEqual(['strategyParams.thresholdBounds']);
  });
});
