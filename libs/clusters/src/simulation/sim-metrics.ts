import type { NodeMetrics } from '../node-status';
import { faultFor, UNHEALTHY_ERROR_RATE, type FaultProfile } from './fault-profiles';

/** 32-bit FNV-1a: a stable hash of a string, the same on every run and machine. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A uniform number in [0, 1) derived only from its inputs (mulberry32 of a hash). */
export function unit(seed: number, ...parts: (string | number)[]): number {
  let t = (hash32(parts.join('|')) ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  t = (t + 0x6d2b79f5) >>> 0;
  let r = Math.imul(t ^ (t >>> 15), t | 1);
  r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
  return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));
const between = (u: number, min: number, max: number) => min + u * (max - min);

/** How far one node's baseline is from the fleet's (±2 %): replicas of one service look alike. */
export const NODE_BASELINE_SPREAD = 0.04;

/**
 * A node's stable baseline: the fleet's level of each metric (from the seed) within ±2 % per node.
 * The same node name and seed give the same baseline on every run. Nodes are this alike on purpose:
 * canary analysis compares canary nodes with the other nodes of the environment, so a healthy
 * canary must look like its baseline, and a fault profile's shift must be what tells them apart.
 */
export function baselineMetrics(seed: number, nodeName: string): NodeMetrics {
  const level = (metric: string, min: number, max: number) =>
    between(unit(seed, 'fleet', metric), min, max) *
    (1 + (unit(seed, nodeName, metric) - 0.5) * NODE_BASELINE_SPREAD);
  return {
    cpuPercent: level('cpu', 15, 45),
    memoryPercent: level('mem', 25, 55),
    latencyP95Ms: level('lat', 20, 80),
    errorRate: level('err', 0.1, 1),
    requestsPerSecond: level('rps', 50, 200),
  };
}

/** The modules a simulated node runs, as `moduleName → active version`. */
export type ActiveVersions = ReadonlyMap<string, string | null>;

/**
 * The metrics of simulated node `nodeName` at its `beat`-th heartbeat: the baseline with ±5 %
 * seeded noise, then shifted by the fault profiles of the module versions it runs. A pure function:
 * identical inputs give identical metrics on every run.
 */
export function simulatedMetrics(
  seed: number,
  nodeName: string,
  beat: number,
  active: ActiveVersions,
  faults: readonly FaultProfile[],
): NodeMetrics {
  const base = baselineMetrics(seed, nodeName);
  const noise = (metric: string) => 1 + (unit(seed, nodeName, metric, beat) - 0.5) * 0.1;
  let cpu = base.cpuPercent * noise('cpu');
  let memory = base.memoryPercent * noise('mem');
  let latency = base.latencyP95Ms * noise('lat');
  let errorRate = base.errorRate * noise('err');
  const rps = base.requestsPerSecond * noise('rps');
  for (const [moduleName, version] of active) {
    const fault = faultFor(faults, moduleName, version);
    if (fault === undefined) continue;
    errorRate *= fault.errorRateMultiplier ?? 1;
    latency *= fault.latencyMultiplier ?? 1;
    cpu = cpu * (fault.cpuMultiplier ?? 1) + (fault.cpuDelta ?? 0);
    memory = memory * (fault.memoryMultiplier ?? 1) + (fault.memoryDelta ?? 0);
    if (fault.unhealthyAfterInstall === true) errorRate = Math.max(errorRate, UNHEALTHY_ERROR_RATE);
  }
  return {
    cpuPercent: round3(clamp(cpu, 0, 100)),
    memoryPercent: round3(clamp(memory, 0, 100)),
    latencyP95Ms: round3(Math.max(0, latency)),
    errorRate: round3(clamp(errorRate, 0, 100)),
    requestsPerSecond: round3(Math.max(0, rps)),
  };
}
