import fc from 'fast-check';
import { FakeFleet, HEALTHY_METRICS } from '../testing/fake-fleet';
import { runStrategy } from '../testing/strategy-harness';
import { BlueGreenStrategy, type BlueGreenParams } from './blue-green.strategy';
import { CanaryStrategy, type CanaryParams } from './canary.strategy';
import { DirectStrategy } from './direct.strategy';
import { RollingStrategy, type RollingParams } from './rolling.strategy';
import type { DeploymentStrategy } from './strategy';

const NEW = '2.1.0';
const OLD = '1.0.0';

function params<P>(strategy: DeploymentStrategy<P>, raw: Record<string, unknown> = {}): P {
  const parsed = strategy.parseParams(raw, {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.params;
}

const direct = new DirectStrategy();
const rolling = new RollingStrategy();
const blueGreen = new BlueGreenStrategy();
const canary = new CanaryStrategy();
const all: DeploymentStrategy<unknown>[] = [
  direct,
  rolling,
  blueGreen,
  canary,
] as DeploymentStrategy<unknown>[];

describe('every strategy', () => {
  it.each(all.map((s) => [s.name, s] as const))(
    '%s fails on an empty environment',
    async (_name, strategy) => {
      const run = await runStrategy(strategy, params(strategy), new FakeFleet(0), NEW);
      expect(run.final).toEqual(
        expect.objectContaining({ type: 'failed', message: 'No nodes available in environment' }),
      );
    },
  );
});

describe('retention of the version a node leaves (deployments spec §3)', () => {
  const installing = [direct, rolling, canary] as DeploymentStrategy<unknown>[];

  it.each(installing.map((s) => [s.name, s] as const))(
    '%s installs with retainPreviousSeconds (default 300 s, or as asked)',
    async (_name, strategy) => {
      const quick = strategy === canary ? { stepWaitSeconds: 0, minSamples: 0 } : {};
      const defaulted = new FakeFleet(3);
      await runStrategy(strategy, params(strategy, quick), defaulted, NEW);
      const asked = new FakeFleet(3);
      await runStrategy(strategy, params(strategy, { ...quick, retainPreviousSeconds: 45 }), asked, NEW);
      const installs = (fleet: FakeFleet) =>
        fleet.journal.filter((j) => j.kind === 'install').map((j) => j.retainPreviousSeconds);
      expect(installs(defaulted)).toEqual([300, 300, 300]);
      expect(installs(asked)).toEqual([45, 45, 45]);
    },
  );

  it.each(installing.map((s) => [s.name, s] as const))(
    '%s refuses a retainPreviousSeconds outside 0–86400 or not an integer',
    (_name, strategy) => {
      for (const value of [-1, 86_401, 1.5, '30']) {
        const parsed = strategy.parseParams({ retainPreviousSeconds: value }, {});
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.errors[0]?.field).toBe('strategyParams.retainPreviousSeconds');
      }
    },
  );

  it("takes the environment's default retainPreviousSeconds", () => {
    const parsed = direct.parseParams({}, { retainPreviousSeconds: 600 });
    expect(parsed.ok && parsed.params.retainPreviousSeconds).toBe(600);
  });

  it('BlueGreen activates with scaleDownDelaySeconds as the retention of blue', async () => {
    const fleet = new FakeFleet(2);
    await runStrategy(
      blueGreen,
      params(blueGreen, { smokeTestTimeoutSeconds: 60, scaleDownDelaySeconds: 90 }),
      fleet,
      NEW,
    );
    expect(fleet.journal.filter((j) => j.kind === 'activate').map((j) => j.retainPreviousSeconds)).toEqual([
      90, 90,
    ]);
  });
});

describe('Direct', () => {
  it('updates all 3 nodes and names them', async () => {
    const fleet = new FakeFleet(3);
    const run = await runStrategy(direct, params(direct), fleet, NEW);
    expect(run.final.type).toBe('succeeded');
    expect(run.final.type === 'succeeded' && run.final.message).toContain(
      'to 3 node(s): node-001, node-002, node-003',
    );
    expect(Object.values(fleet.versions())).toEqual([NEW, NEW, NEW]);
  });

  it('one failing node → the other two rolled back, every node on its old version', async () => {
    const fleet = new FakeFleet(3);
    fleet.faults = { failOn: { install: ['node-002'] } };
    const run = await runStrategy(direct, params(direct), fleet, NEW);
    expect(run.final).toEqual(expect.objectContaining({ type: 'failed', unrestoredNodeIds: [] }));
    expect(run.final.type === 'failed' && run.final.message).toMatch(
      /node-002: install failed.*rolled back 2 node/,
    );
    expect(Object.values(fleet.versions())).toEqual([OLD, OLD, OLD]);
  });
});

describe('Rolling', () => {
  const rp = (extra: Record<string, unknown> = {}): RollingParams =>
    params(rolling, { batchSize: 2, healthCheckDelaySeconds: 30, ...extra });

  it('5 nodes, batch 2 → batches 2+2+1 with a health wait after each', async () => {
    const fleet = new FakeFleet(5);
    const run = await runStrategy(rolling, rp(), fleet, NEW);
    expect(run.final.type).toBe('succeeded');
    expect(run.waves.map((w) => w.nodesUpdated)).toEqual([2, 4, 5]);
    expect(run.steps.filter((s) => s.type === 'wait')).toHaveLength(3);
  });

  it('the 3rd node failing → failed at batch 2, batch 1 and the good node of batch 2 rolled back', async () => {
    const fleet = new FakeFleet(5);
    fleet.faults = { failOn: { install: ['node-003'] } };
    const run = await runStrategy(rolling, rp(), fleet, NEW);
    expect(run.final.type === 'failed' && run.final.message).toMatch(/batch 2 of 3.*rolled back 3 node/);
    expect(Object.values(fleet.versions())).toEqual([OLD, OLD, OLD, OLD, OLD]);
    expect(fleet.journal.filter((j) => j.kind === 'rollback').map((j) => j.node)).toEqual([
      'node-001',
      'node-002',
      'node-004',
    ]);
  });

  it('a node unhealthy after install → health gate fails, all rolled back', async () => {
    const fleet = new FakeFleet(5);
    fleet.faults = { unhealthyOn: ['node-004'] };
    const run = await runStrategy(rolling, rp(), fleet, NEW);
    expect(run.final.type === 'failed' && run.final.message).toMatch(
      /Health gate failed after batch 2.*node-004/,
    );
    expect(Object.values(fleet.versions()).every((v) => v === OLD)).toBe(true);
  });
});

describe('BlueGreen', () => {
  const bp = (): BlueGreenParams =>
    params(blueGreen, { smokeTestTimeoutSeconds: 60, scaleDownDelaySeconds: 30 });

  it('stages green on all nodes while blue serves, then activates all; blue kept as previous', async () => {
    const fleet = new FakeFleet(4);
    const run = await runStrategy(blueGreen, bp(), fleet, NEW);
    expect(run.final.type).toBe('succeeded');
    const kinds = fleet.journal.map((j) => j.kind);
    expect(kinds.lastIndexOf('stage')).toBeLessThan(kinds.indexOf('activate'));
    expect(fleet.nodes.every((n) => n.active === NEW && n.previous === OLD)).toBe(true);
    expect(run.final.type === 'succeeded' && run.final.message).toContain('blue retained for 30s');
  });

  it.each([
    ['a staging failure', { failOn: { stage: ['node-002'] } }],
    ['a failed smoke test', { unhealthyOn: ['node-003'] }],
  ])('%s → green unstaged everywhere, no active version ever changed', async (_label, faults) => {
    const fleet = new FakeFleet(4);
    fleet.faults = faults;
    const run = await runStrategy(blueGreen, bp(), fleet, NEW);
    expect(run.final.type).toBe('failed');
    expect(run.final.type === 'failed' && run.final.message).toContain('traffic remains on blue');
    expect(
      fleet.journal.some((j) => j.kind === 'activate' || j.kind === 'install' || j.kind === 'rollback'),
    ).toBe(false);
    expect(fleet.nodes.every((n) => n.active === OLD && n.standby === null)).toBe(true);
  });

  it('an activation failure re-activates blue on the nodes already switched', async () => {
    const fleet = new FakeFleet(4);
    fleet.faults = { failOn: { activate: ['node-003'] } };
    const run = await runStrategy(blueGreen, bp(), fleet, NEW);
    expect(run.final.type === 'failed' && run.final.message).toMatch(
      /Activation failed.*blue re-activated on 3/,
    );
    expect(fleet.nodes.every((n) => n.active === OLD && n.standby === null)).toBe(true);
  });
});

describe('Canary', () => {
  const cp = (extra: Record<string, unknown> = {}): CanaryParams =>
    params(canary, { stepWaitSeconds: 600, ...extra });

  it.each([
    [20, {}, [2, 6, 10, 20]],
    [20, { steps: [10, 40, 100] }, [2, 8, 20]],
    [2, {}, [1, 2]],
    [3, {}, [1, 2, 3]],
    [4, {}, [1, 2, 3, 4]],
  ])('%i nodes %j → cumulative waves %j, every node updated before success', async (n, extra, expected) => {
    const fleet = new FakeFleet(n);
    const run = await runStrategy(canary, cp(extra), fleet, NEW);
    expect(run.final.type).toBe('succeeded');
    expect(run.waves.map((w) => w.nodesUpdated)).toEqual(expected);
    expect(Object.values(fleet.versions()).every((v) => v === NEW)).toBe(true);
  });

  it('with no observation time analyses each wave in the step that installed it', async () => {
    const fleet = new FakeFleet(20);
    const run = await runStrategy(canary, cp({ stepWaitSeconds: 0, minSamples: 3 }), fleet, NEW);
    expect(run.final.type).toBe('succeeded');
    // One step per wave; three analyses (every wave but the last), all passing.
    expect(run.steps).toHaveLength(4);
    expect(run.analyses.map((a) => [a.wave, a.result.verdict])).toEqual([
      [1, 'pass'],
      [2, 'pass'],
      [3, 'pass'],
    ]);
  });

  it.each([
    ['error rate ×2', { ...HEALTHY_METRICS, errorRate: 2 }],
    ['latency ×2.5', { ...HEALTHY_METRICS, latencyP95Ms: 250 }],
    ['cpu +40 %', { ...HEALTHY_METRICS, cpuPercent: 56 }],
    ['memory +41 %', { ...HEALTHY_METRICS, memoryPercent: 70.5 }],
  ])('%s fails the analysis and rolls back every canary node', async (_label, canaryMetrics) => {
    const fleet = new FakeFleet(20);
    fleet.faults = { canaryMetrics };
    const run = await runStrategy(canary, cp(), fleet, NEW);
    expect(run.final.type).toBe('failed');
    expect(run.analyses[0]?.result.verdict).toBe('fail');
    expect(Object.values(fleet.versions()).every((v) => v === OLD)).toBe(true);
  });

  it.each([
    ['cpu −10 %', { ...HEALTHY_METRICS, cpuPercent: 36 }],
    ['latency −5 %', { ...HEALTHY_METRICS, latencyP95Ms: 95 }],
  ])('a healthy shift (%s) passes', async (_label, canaryMetrics) => {
    const fleet = new FakeFleet(20);
    fleet.faults = { canaryMetrics };
    const run = await runStrategy(canary, cp(), fleet, NEW);
    expect(run.final.type).toBe('succeeded');
    expect(run.analyses.map((a) => a.result.verdict)).toEqual(['pass', 'pass', 'pass']);
  });

  it('too few samples → inconclusive, retried, then paused for a human after the limit', async () => {
    const fleet = new FakeFleet(10);
    fleet.metrics = () => [];
    const run = await runStrategy(canary, cp({ minSamples: 3, inconclusiveLimit: 3 }), fleet, NEW, {
      onPause: 'stop',
    });
    expect(run.final.type).toBe('pause');
    expect(run.analyses.map((a) => a.result.verdict)).toEqual([
      'inconclusive',
      'inconclusive',
      'inconclusive',
      'inconclusive',
    ]);
  });

  it('pause: true waits for a human after each wave; one promote skips every remaining pause', async () => {
    const fleet = new FakeFleet(10);
    const stopped = await runStrategy(canary, cp({ pause: true }), fleet, NEW, { onPause: 'stop' });
    expect(stopped.final.type).toBe('pause');
    expect(Object.values(fleet.versions()).filter((v) => v === NEW)).toHaveLength(1);
    // Promoted once, at the first pause: no later wave pauses (the harness stops at a second pause).
    const promoted = await runStrategy(canary, cp({ pause: true }), new FakeFleet(10), NEW, {
      onPause: 'promote',
    });
    expect(promoted.final.type).toBe('succeeded');
    expect(promoted.steps.filter((s) => s.type === 'pause')).toHaveLength(1);
    expect(promoted.waves.map((w) => w.nodesUpdated)).toEqual([1, 3, 5, 10]);
    // The waits are skipped, not the analyses: every wave but the last is still analysed.
    expect(promoted.analyses.map((a) => [a.wave, a.result.verdict])).toEqual([
      [1, 'pass'],
      [2, 'pass'],
      [3, 'pass'],
    ]);
  });

  it("one promote during the first wave's wait skips the remaining waits of every later wave", async () => {
    const fleet = new FakeFleet(20);
    // Step 0 installs wave 1 and starts its 900 s wait; the operator promotes during it (step 1).
    const run = await runStrategy(canary, params(canary), fleet, NEW, { promoteAtStep: 1 });
    expect(run.final.type).toBe('succeeded');
    expect(run.waves.map((w) => w.nodesUpdated)).toEqual([2, 6, 10, 20]);
    // No wave waits: waves 2, 3 and 4 start at once, not 900 s apart.
    expect(run.steps.filter((s) => s.type === 'wait' || s.type === 'pause')).toEqual([]);
    const start = run.waves[0]?.atMs;
    expect(run.waves.map((w) => w.atMs)).toEqual([start, start, start, start]);
    // Each wave is still analysed, and a failing analysis would still roll back (next test).
    expect(run.analyses.map((a) => a.result.verdict)).toEqual(['pass', 'pass', 'pass']);
    expect(Object.values(fleet.versions()).every((v) => v === NEW)).toBe(true);
  });

  it('after a promote, a failing analysis still rolls back every canary node', async () => {
    const fleet = new FakeFleet(20);
    fleet.faults = { canaryMetrics: { ...HEALTHY_METRICS, errorRate: 2 } };
    const run = await runStrategy(canary, params(canary), fleet, NEW, { promoteAtStep: 1 });
    expect(run.final.type === 'failed' && run.final.message).toContain('Canary analysis failed after wave 1');
    expect(run.steps.filter((s) => s.type === 'wait')).toEqual([]);
    expect(Object.values(fleet.versions()).every((v) => v === OLD)).toBe(true);
  });

  it('after a promote, too little data does not hold a wave: recorded inconclusive, the rollout goes on', async () => {
    const fleet = new FakeFleet(10);
    fleet.metrics = () => [];
    const run = await runStrategy(canary, params(canary, { minSamples: 3 }), fleet, NEW, {
      promoteAtStep: 1,
    });
    expect(run.final.type).toBe('succeeded');
    expect(run.analyses.map((a) => a.result.verdict)).toEqual([
      'inconclusive',
      'inconclusive',
      'inconclusive',
    ]);
    expect(run.steps.filter((s) => s.type === 'wait' || s.type === 'pause')).toEqual([]);
  });

  it('after a promote, metrics source errors are retried without the interval and still fail after the limit', async () => {
    const fleet = new FakeFleet(10);
    fleet.metrics = () => {
      throw new Error('metrics store unreachable');
    };
    const run = await runStrategy(canary, params(canary, { consecutiveErrorLimit: 2 }), fleet, NEW, {
      promoteAtStep: 1,
    });
    expect(run.final.type === 'failed' && run.final.message).toContain('3 consecutive metrics errors');
    expect(run.analyses).toHaveLength(3);
    expect(run.steps.filter((s) => s.type === 'wait' || s.type === 'pause')).toEqual([]);
    expect(Object.values(fleet.versions()).every((v) => v === OLD)).toBe(true);
  });

  it('abort rolls back the canary nodes', async () => {
    const fleet = new FakeFleet(20);
    const run = await runStrategy(canary, cp(), fleet, NEW, { abortAfterSteps: 3 });
    expect(run.final.type === 'failed' && run.final.message).toContain('Aborted');
    expect(Object.values(fleet.versions()).every((v) => v === OLD)).toBe(true);
  });
});

describe('invariant: a failed rollout leaves every reachable node on the version it ran before', () => {
  it('holds for generated fleets, strategies, parameters and fault placements', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 25 }),
        fc.constantFrom('Direct', 'Rolling', 'BlueGreen', 'Canary'),
        fc.integer({ min: 1, max: 6 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 24 }), { maxLength: 4 }),
        fc.constantFrom('install', 'stage', 'activate', 'unhealthy', 'metrics', 'abort'),
        async (count, name, batch, faultIndexes, faultKind) => {
          const fleet = new FakeFleet(count);
          const before = fleet.versions();
          const faulty = faultIndexes.filter((i) => i < count).map((i) => fleet.nodes[i]?.name ?? '');
          if (faultKind === 'unhealthy') fleet.faults = { unhealthyOn: faulty };
          else if (faultKind === 'metrics')
            fleet.faults = { canaryMetrics: { ...HEALTHY_METRICS, errorRate: 10 } };
          else if (faultKind !== 'abort') fleet.faults = { failOn: { [faultKind]: faulty } };
          const strategy = { Direct: direct, Rolling: rolling, BlueGreen: blueGreen, Canary: canary }[
            name
          ] as DeploymentStrategy<unknown>;
          const raw =
            name === 'Rolling'
              ? { batchSize: batch, healthCheckDelaySeconds: 1 }
              : name === 'Canary'
                ? { stepWaitSeconds: 1 }
                : {};
          const run = await runStrategy(strategy, params(strategy, raw), fleet, NEW, {
            abortAfterSteps: faultKind === 'abort' ? batch : undefined,
          });
          if (run.final.type === 'failed') {
            expect(run.final.unrestoredNodeIds).toEqual([]);
            expect(fleet.versions()).toEqual(before);
            expect(fleet.nodes.every((n) => n.standby === null)).toBe(true);
          } else {
            expect(run.final.type).toBe('succeeded');
            expect(Object.values(fleet.versions()).every((v) => v === NEW)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
