import { clusterIsHealthy, evaluateHealth, statusFromMetrics, type NodeMetrics } from './node-status';

const metrics = (over: Partial<NodeMetrics> = {}): NodeMetrics => ({
  cpuPercent: 30,
  memoryPercent: 40,
  latencyP95Ms: 50,
  errorRate: 0.5,
  requestsPerSecond: 100,
  ...over,
});

describe('statusFromMetrics', () => {
  it.each<[string, Partial<NodeMetrics>, string]>([
    ['all within thresholds', {}, 'Running'],
    ['cpu at 90 %', { cpuPercent: 90 }, 'Unhealthy'],
    ['memory at 95 %', { memoryPercent: 95 }, 'Unhealthy'],
    ['error rate at 5 %', { errorRate: 5 }, 'Unhealthy'],
    ['error rate just below 5 %', { errorRate: 4.99 }, 'Degraded'],
    ['cpu at 80 %', { cpuPercent: 80 }, 'Degraded'],
    ['latency does not decide health', { latencyP95Ms: 10_000 }, 'Running'],
  ])('%s → %s', (_name, over, status) => {
    expect(statusFromMetrics(metrics(over)).status).toBe(status);
  });

  it('names every breached threshold in the reason', () => {
    expect(statusFromMetrics(metrics({ cpuPercent: 95, errorRate: 12 })).reason).toBe(
      'cpu 95.0% ≥ 90%, error rate 12.00% ≥ 5%',
    );
  });
});

describe('evaluateHealth', () => {
  const now = new Date('2030-01-01T00:01:00Z');
  const fresh = new Date('2030-01-01T00:00:45Z');
  const stale = new Date('2030-01-01T00:00:29Z');

  it.each<[string, Parameters<typeof evaluateHealth>[0], boolean]>([
    [
      'fresh heartbeat, good metrics',
      { status: 'Running', lastHeartbeatAt: fresh, metrics: metrics() },
      true,
    ],
    [
      'degraded is still healthy',
      { status: 'Degraded', lastHeartbeatAt: fresh, metrics: metrics({ cpuPercent: 80 }) },
      true,
    ],
    [
      'draining with good metrics is healthy',
      { status: 'Draining', lastHeartbeatAt: fresh, metrics: metrics() },
      true,
    ],
    [
      'heartbeat older than the timeout',
      { status: 'Running', lastHeartbeatAt: stale, metrics: metrics() },
      false,
    ],
    ['never heartbeated', { status: 'Initializing', lastHeartbeatAt: null, metrics: null }, false],
    ['unknown', { status: 'Unknown', lastHeartbeatAt: fresh, metrics: metrics() }, false],
    ['stopped', { status: 'Stopped', lastHeartbeatAt: fresh, metrics: metrics() }, false],
    [
      'error rate breached',
      { status: 'Unhealthy', lastHeartbeatAt: fresh, metrics: metrics({ errorRate: 7 }) },
      false,
    ],
  ])('%s → healthy %s', (_name, node, healthy) => {
    expect(evaluateHealth(node, now, 30_000).healthy).toBe(healthy);
  });
});

describe('clusterIsHealthy', () => {
  it.each([
    [0, 0, true],
    [10, 10, true],
    [10, 8, true],
    [10, 7, false],
    [3, 2, false],
    [5, 4, true],
  ])('%i nodes, %i healthy → %s', (total, healthy, expected) => {
    expect(clusterIsHealthy(total, healthy)).toBe(expected);
  });
});
