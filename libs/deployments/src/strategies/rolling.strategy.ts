import { Injectable } from '@nestjs/common';
import type { TargetNode } from '../ports';
import { ParamReader, readRetainPreviousSeconds } from './params';
import { describeFailures, pick, rollBackUpdated } from './rollback-helper';
import {
  EMPTY_ENVIRONMENT_MESSAGE,
  type DeploymentStrategy,
  type ParsedParams,
  type StagePlanPreview,
  type StepResult,
  type StrategyContext,
  type StrategyState,
} from './strategy';
import { nameList, rollingBatches, type BatchSize } from './wave-planning';

export interface RollingParams {
  readonly batchSize: BatchSize;
  readonly healthCheckDelaySeconds: number;
  /** How long each node keeps the version it replaced loaded (instant rollback). */
  readonly retainPreviousSeconds: number;
}

interface RollingState {
  readonly phase?: 'install' | 'check' | 'rollback' | 'done';
  readonly batch?: number;
  readonly updated?: string[];
  readonly reason?: string;
  readonly checkAtMs?: number;
}

const PERCENT = /^(100|[1-9]\d?)%$/;

/**
 * Batches in name order; after each batch wait `healthCheckDelaySeconds` and health-check every node
 * updated so far. Any install failure or unhealthy node rolls back every updated node.
 */
@Injectable()
export class RollingStrategy implements DeploymentStrategy<RollingParams> {
  readonly name = 'Rolling' as const;

  parseParams(
    raw: Readonly<Record<string, unknown>>,
    defaults: Readonly<Record<string, unknown>>,
  ): ParsedParams<RollingParams> {
    const reader = new ParamReader(raw, defaults);
    const batchSize = reader.custom<BatchSize>(
      'batchSize',
      2,
      (value) =>
        (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10_000) ||
        (typeof value === 'string' && PERCENT.test(value))
          ? (value as BatchSize)
          : undefined,
      'batchSize must be a node count (1–10000) or a percentage such as "25%"',
    );
    const healthCheckDelaySeconds = reader.number('healthCheckDelaySeconds', 30, 0, 3600);
    const retainPreviousSeconds = readRetainPreviousSeconds(reader);
    const errors = reader.finish();
    return errors.length > 0
      ? { ok: false, errors }
      : { ok: true, params: { batchSize, healthCheckDelaySeconds, retainPreviousSeconds } };
  }

  preview(nodes: readonly TargetNode[], params: RollingParams): StagePlanPreview {
    const batches = rollingBatches(nodes, params.batchSize);
    return {
      waves: batches.map((b) => b.map((n) => n.name)),
      estimatedSeconds: batches.length * params.healthCheckDelaySeconds,
    };
  }

  async step(context: StrategyContext, params: RollingParams, raw: StrategyState): Promise<StepResult> {
    const state = raw as RollingState;
    if (context.nodes.length === 0) {
      return { type: 'failed', state: raw, message: EMPTY_ENVIRONMENT_MESSAGE, unrestoredNodeIds: [] };
    }
    const updated = state.updated ?? [];
    if (state.phase === 'rollback') return rollBackUpdated(context, raw, updated, state.reason ?? 'Failed');
    if (context.abortRequested) {
      return { type: 'continue', state: { ...state, phase: 'rollback', reason: 'Aborted by an operator' } };
    }
    const batches = rollingBatches(context.nodes, params.batchSize);
    const index = state.batch ?? 0;
    const batch = batches[index] ?? [];

    if (state.phase === 'check') {
      if (
        !context.promoteRequested &&
        state.checkAtMs !== undefined &&
        context.now.getTime() < state.checkAtMs
      ) {
        return {
          type: 'wait',
          state: raw,
          untilMs: state.checkAtMs,
          message: `Waiting before the health check of batch ${index + 1}`,
        };
      }
      const health = await context.health(pick(context.nodes, updated));
      const unhealthy = updated.filter((id) => health.get(id)?.healthy !== true);
      if (unhealthy.length > 0) {
        const detail = describeFailures(
          unhealthy.map((id) => ({ nodeId: id, error: health.get(id)?.reason ?? 'unhealthy' })),
          context.nodes,
        );
        return {
          type: 'continue',
          state: {
            ...state,
            phase: 'rollback',
            reason: `Health gate failed after batch ${index + 1} of ${batches.length} (${detail})`,
          },
        };
      }
      if (index + 1 >= batches.length) {
        return {
          type: 'succeeded',
          state: { ...state, phase: 'done' },
          message: `Deployed ${context.moduleName}@${context.version} to ${updated.length} node(s) in ${batches.length} batch(es)${nameList(pick(context.nodes, updated))}`,
          updatedNodeIds: updated,
        };
      }
      return { type: 'continue', state: { ...state, phase: 'install', batch: index + 1 } };
    }

    const result = await context.run('install', batch, `batch-${index + 1}`, {
      retainPreviousSeconds: params.retainPreviousSeconds,
    });
    const nowUpdated = [...updated, ...result.succeeded];
    await context.progress({
      nodesUpdated: nowUpdated.length,
      nodesFailed: result.failed.length,
      wave: index + 1,
      waves: batches.length,
    });
    if (result.failed.length > 0) {
      return {
        type: 'continue',
        state: {
          ...state,
          phase: 'rollback',
          updated: nowUpdated,
          reason: `Install failed in batch ${index + 1} of ${batches.length} (${describeFailures(result.failed, context.nodes)})`,
        },
      };
    }
    const checkAtMs = context.now.getTime() + params.healthCheckDelaySeconds * 1000;
    return {
      type: 'continue',
      state: { ...state, phase: 'check', batch: index, updated: nowUpdated, checkAtMs },
    };
  }
}
