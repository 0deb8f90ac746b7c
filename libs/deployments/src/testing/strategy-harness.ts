import type { AnalysisResult } from '../analysis/canary-analysis';
import type { NodeOperationKind, TargetNode } from '../ports';
import type {
  DeploymentStrategy,
  OperationOptions,
  OperationResults,
  StepResult,
  StrategyContext,
  StrategyState,
} from '../strategies/strategy';
import type { FakeFleet } from './fake-fleet';

export interface HarnessOptions {
  /**
   * What to do when the strategy pauses: resume, or stop. `promote` promotes once, at the first pause
   * (a promote is one request, as the engine delivers it); a later pause then stops the run.
   */
  readonly onPause?: 'resume' | 'promote' | 'stop';
  /** Promote once, in the context of this step (0-based): one operator request, delivered once. */
  readonly promoteAtStep?: number;
  readonly abortAfterSteps?: number;
  readonly maxSteps?: number;
}

export interface HarnessRun {
  readonly final: StepResult;
  readonly steps: StepResult[];
  readonly analyses: { wave: number; result: AnalysisResult }[];
  /** Progress reports, each with the fake clock's time when it was made. */
  readonly waves: { wave?: number; nodesUpdated: number; nodesFailed: number; atMs: number }[];
  /** Operations as logged by step key: never more than one per (step, kind, node). */
  readonly log: Map<string, boolean>;
}

/** Drives a strategy the way the engine does, on a fake fleet with a fake clock. */
export async function runStrategy<P>(
  strategy: DeploymentStrategy<P>,
  params: P,
  fleet: FakeFleet,
  version: string,
  options: HarnessOptions = {},
): Promise<HarnessRun> {
  let now = Date.UTC(2026, 10, 30, 12, 0, 0);
  const nodes: readonly TargetNode[] = fleet.targets();
  const log = new Map<string, boolean>();
  const analyses: { wave: number; result: AnalysisResult }[] = [];
  const waves: { wave?: number; nodesUpdated: number; nodesFailed: number; atMs: number }[] = [];
  const steps: StepResult[] = [];
  let state: StrategyState = {};
  let promote = false;
  let promotedAtPause = false;
  for (let i = 0; i < (options.maxSteps ?? 500); i++) {
    if (options.promoteAtStep === i) promote = true;
    const context: StrategyContext = {
      moduleName: 'payment-processor',
      version,
      environment: 'Test',
      nodes,
      now: new Date(now),
      promoteRequested: promote,
      abortRequested: options.abortAfterSteps !== undefined && i >= options.abortAfterSteps,
      run: (
        kind: NodeOperationKind,
        targets: readonly TargetNode[],
        step: string,
        options?: OperationOptions,
      ): Promise<OperationResults> => {
        const succeeded: string[] = [];
        const failed: { nodeId: string; error: string }[] = [];
        for (const node of targets) {
          const key = `${step}:${kind}:${node.id}`;
          const logged = log.get(key);
          if (logged !== undefined) {
            if (logged) succeeded.push(node.id);
            else failed.push({ nodeId: node.id, error: 'failed earlier' });
            continue;
          }
          const target = kind === 'rollback' ? fleet.byId(node.id).previous : version;
          const outcome = fleet.execute(kind, node.id, target, options);
          log.set(key, outcome.ok);
          if (outcome.ok) succeeded.push(node.id);
          else failed.push({ nodeId: node.id, error: outcome.error ?? 'failed' });
        }
        return Promise.resolve({ succeeded, failed });
      },
      health: (targets) => Promise.resolve(new Map(targets.map((n) => [n.id, fleet.health(n.id, version)]))),
      metrics: (ids) => Promise.resolve(fleet.metrics(ids, version)),
      recordAnalysis: (wave, result) => {
        analyses.push({ wave, result });
        return Promise.resolve();
      },
      progress: (update) => {
        waves.push({ ...update, atMs: now });
        return Promise.resolve();
      },
    };
    const result = await strategy.step(context, params, state);
    steps.push(result);
    state = result.state;
    promote = false;
    switch (result.type) {
      case 'succeeded':
      case 'failed':
        return { final: result, steps, analyses, waves, log };
      case 'wait':
        now = Math.max(now, result.untilMs);
        break;
      case 'pause':
        if (options.onPause === 'stop' || options.onPause === undefined || promotedAtPause)
          return { final: result, steps, analyses, waves, log };
        promote = options.onPause === 'promote';
        promotedAtPause = promote;
        break;
      case 'continue':
        break;
    }
  }
  throw new Error('strategy did not finish');
}
