/** A fault an Admin injects into the simulated fleet for one module version (issue 5, §7). */
export interface FaultProfile {
  readonly moduleName: string;
  readonly version: string;
  /** Installs (and stages) of this version fail: on every node, on the first N attempts, or on the named nodes. */
  readonly failInstall?: 'all' | number | string[];
  /** Nodes that installed this version turn unhealthy (error rate at least {@link UNHEALTHY_ERROR_RATE}). */
  readonly unhealthyAfterInstall?: boolean;
  readonly errorRateMultiplier?: number;
  readonly latencyMultiplier?: number;
  /** Relative change of cpu / memory (1.4 = +40 %), applied before the deltas. */
  readonly cpuMultiplier?: number;
  readonly memoryMultiplier?: number;
  /** Percentage points added to cpu / memory. */
  readonly cpuDelta?: number;
  readonly memoryDelta?: number;
  /** How long an install or stage of this version takes (divided by the time scale). */
  readonly installDelayMs?: number;
}

export const UNHEALTHY_ERROR_RATE = 25;

export function faultFor(
  faults: readonly FaultProfile[],
  moduleName: string,
  version: string | null,
): FaultProfile | undefined {
  if (version === null) return undefined;
  return faults.find((f) => f.moduleName === moduleName && f.version === version);
}
