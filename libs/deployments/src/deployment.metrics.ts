import { Inject, Injectable, type Provider } from '@nestjs/common';
import { getToken, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { AnalysisVerdict } from './analysis/canary-analysis';
import type { NodeOperationKind } from './ports';

export const DEPLOYMENTS_STARTED_METRIC = 'hotswap_deployments_started_total';
export const DEPLOYMENTS_FINISHED_METRIC = 'hotswap_deployments_finished_total';
export const DEPLOYMENT_DURATION_METRIC = 'hotswap_deployment_duration_seconds';
export const ROLLBACKS_METRIC = 'hotswap_rollbacks_total';
export const NODE_OPERATIONS_METRIC = 'hotswap_node_operations_total';
export const CANARY_ANALYSES_METRIC = 'hotswap_canary_analyses_total';

/** The strategy label of a stage without one (the stages of rollback deployments restore nodes). */
export const NO_STRATEGY = 'none';

export type RollbackKind = 'automatic' | 'manual';

/**
 * Records the deployment engine's metrics. Callers record only once the change committed: the runner
 * collects a transition's records and applies them after its transaction (see `DeploymentRunner`).
 */
@Injectable()
export class DeploymentMetrics {
  constructor(
    @Inject(getToken(DEPLOYMENTS_STARTED_METRIC)) private readonly startedTotal: Counter,
    @Inject(getToken(DEPLOYMENTS_FINISHED_METRIC)) private readonly finishedTotal: Counter,
    @Inject(getToken(DEPLOYMENT_DURATION_METRIC)) private readonly duration: Histogram,
    @Inject(getToken(ROLLBACKS_METRIC)) private readonly rollbacks: Counter,
    @Inject(getToken(NODE_OPERATIONS_METRIC)) private readonly operations: Counter,
    @Inject(getToken(CANARY_ANALYSES_METRIC)) private readonly analyses: Counter,
  ) {}

  /** A deployment started deploying to an environment with a strategy. */
  started(environment: string, strategy: string): void {
    this.startedTotal.inc({ environment, strategy });
  }

  /** A deployment reached its terminal status `outcome`. */
  finished(environment: string, strategy: string, outcome: string, startedAt: Date, finishedAt: Date): void {
    this.finishedTotal.inc({ environment, strategy, outcome });
    this.duration.observe(
      { environment, outcome },
      Math.max(0, (finishedAt.getTime() - startedAt.getTime()) / 1000),
    );
  }

  rollback(environment: string, kind: RollbackKind): void {
    this.rollbacks.inc({ environment, kind });
  }

  /** Node operations of one kind, executed and recorded with their outcomes. */
  nodeOperations(operation: NodeOperationKind, outcomes: readonly { readonly ok: boolean }[]): void {
    const ok = outcomes.filter((o) => o.ok).length;
    if (ok > 0) this.operations.inc({ operation, result: 'ok' }, ok);
    if (outcomes.length > ok) this.operations.inc({ operation, result: 'failed' }, outcomes.length - ok);
  }

  canaryAnalysis(verdict: AnalysisVerdict): void {
    this.analyses.inc({ verdict });
  }
}

/** The instruments (in prom-client's default registry, which `/metrics` serves) and their recorder. */
export const deploymentMetricProviders: Provider[] = [
  makeCounterProvider({
    name: DEPLOYMENTS_STARTED_METRIC,
    help: 'Environment stages a deployment started deploying to with a strategy (skipped stages are not counted).',
    labelNames: ['environment', 'strategy'],
  }),
  makeCounterProvider({
    name: DEPLOYMENTS_FINISHED_METRIC,
    help: "Deployments that reached a terminal status (outcome), by target environment and the strategy of the target environment's stage.",
    labelNames: ['environment', 'strategy', 'outcome'],
  }),
  makeHistogramProvider({
    name: DEPLOYMENT_DURATION_METRIC,
    help: 'Time from the start of a deployment (its creation when it never started) to its terminal status.',
    labelNames: ['environment', 'outcome'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1_800, 3_600, 2 * 3_600, 6 * 3_600, 12 * 3_600, 86_400],
  }),
  makeCounterProvider({
    name: ROLLBACKS_METRIC,
    help: 'Rollbacks: automatic (the engine undoes a stage after a failure or an abort) and manual (a rollback deployment was requested).',
    labelNames: ['environment', 'kind'],
  }),
  makeCounterProvider({
    name: NODE_OPERATIONS_METRIC,
    help: 'Node operations the deployment runner executed and recorded in the node-operation log, by kind and result.',
    labelNames: ['operation', 'result'],
  }),
  makeCounterProvider({
    name: CANARY_ANALYSES_METRIC,
    help: 'Canary analyses stored, by verdict.',
    labelNames: ['verdict'],
  }),
  DeploymentMetrics,
];
