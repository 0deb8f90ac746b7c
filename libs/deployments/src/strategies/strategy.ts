import type { FieldError } from '@hotswap/contracts';
import type { AnalysisResult, MetricSample } from '../analysis/canary-analysis';
import type { NodeOperationKind, StrategyName, TargetNode } from '../ports';

/** JSON-serialisable state a strategy keeps between steps; it is persisted with the stage. */
export type StrategyState = Readonly<Record<string, unknown>>;

export interface OperationResults {
  readonly succeeded: readonly string[];
  readonly failed: readonly { readonly nodeId: string; readonly error: string }[];
}

export interface OperationOptions {
  /** install / activate: how long the version leaving `active` stays loaded as `previous`. */
  readonly retainPreviousSeconds?: number;
}

/** What a strategy may do during one step. Every node operation goes through {@link run}. */
export interface StrategyContext {
  readonly moduleName: string;
  readonly version: string;
  readonly environment: string;
  /** The environment's nodes as planned when the stage started (stable order). */
  readonly nodes: readonly TargetNode[];
  readonly now: Date;
  /** An operator asked to skip the remaining waits. */
  readonly promoteRequested: boolean;
  /** An operator asked to stop and roll back. */
  readonly abortRequested: boolean;
  /**
   * Runs one kind of operation on nodes, logged under `step` so a resumed step never repeats a node's
   * operation and never skips one (the log is the source of truth).
   */
  run(
    kind: NodeOperationKind,
    nodes: readonly TargetNode[],
    step: string,
    options?: OperationOptions,
  ): Promise<OperationResults>;
  health(nodes: readonly TargetNode[]): Promise<Map<string, { healthy: boolean; reason?: string }>>;
  metrics(nodeIds: readonly string[], from: Date, to: Date): Promise<MetricSample[]>;
  recordAnalysis(wave: number, result: AnalysisResult, window: { from: Date; to: Date }): Promise<void>;
  progress(update: {
    nodesUpdated: number;
    nodesFailed: number;
    wave?: number;
    waves?: number;
  }): Promise<void>;
}

export type StepResult =
  | { readonly type: 'continue'; readonly state: StrategyState; readonly message?: string }
  | {
      readonly type: 'wait';
      readonly state: StrategyState;
      readonly untilMs: number;
      readonly message: string;
    }
  | { readonly type: 'pause'; readonly state: StrategyState; readonly message: string }
  | {
      readonly type: 'succeeded';
      readonly state: StrategyState;
      readonly message: string;
      readonly updatedNodeIds: readonly string[];
    }
  | {
      readonly type: 'failed';
      readonly state: StrategyState;
      readonly message: string;
      /** Nodes that could not be restored (the deployment is then Failed, not RolledBack). */
      readonly unrestoredNodeIds: readonly string[];
    };

export type ParsedParams<P> =
  { readonly ok: true; readonly params: P } | { readonly ok: false; readonly errors: FieldError[] };

export interface StagePlanPreview {
  readonly waves: readonly (readonly string[])[];
  /** Lower bound of the time the stage's waits take, in seconds. */
  readonly estimatedSeconds: number;
}

/** One deployment strategy: typed parameters, a preview, and a resumable step function. */
export interface DeploymentStrategy<P = unknown> {
  readonly name: StrategyName;
  /** Validates request parameters over the environment's defaults; unknown keys are errors. */
  parseParams(
    raw: Readonly<Record<string, unknown>>,
    defaults: Readonly<Record<string, unknown>>,
  ): ParsedParams<P>;
  preview(nodes: readonly TargetNode[], params: P): StagePlanPreview;
  /** Advances the rollout by one durable step from `state` (`{}` at the start). */
  step(context: StrategyContext, params: P, state: StrategyState): Promise<StepResult>;
}

export const DEPLOYMENT_STRATEGIES = Symbol('DeploymentStrategies');

export const EMPTY_ENVIRONMENT_MESSAGE = 'No nodes available in environment';
