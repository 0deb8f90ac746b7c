import { Injectable } from '@nestjs/common';
import type { TargetNode } from '../ports';
import { ParamReader, readRetainPreviousSeconds } from './params';
import { describeFailures, rollBackUpdated } from './rollback-helper';
import {
  EMPTY_ENVIRONMENT_MESSAGE,
  type DeploymentStrategy,
  type ParsedParams,
  type StagePlanPreview,
  type StepResult,
  type StrategyContext,
  type StrategyState,
} from './strategy';
import { nameList, stableOrder } from './wave-planning';

export interface DirectParams {
  /** Nodes installed at once. */
  readonly parallelism: number;
  /** How long each node keeps the version it replaced loaded (instant rollback). */
  readonly retainPreviousSeconds: number;
}

interface DirectState {
  readonly phase?: 'install' | 'rollback' | 'done';
  readonly updated?: string[];
  readonly reason?: string;
}

/** Install on every node at once (bounded parallelism); any failure rolls back every updated node. */
@Injectable()
export class DirectStrategy implements DeploymentStrategy<DirectParams> {
  readonly name = 'Direct' as const;

  parseParams(
    raw: Readonly<Record<string, unknown>>,
    defaults: Readonly<Record<string, unknown>>,
  ): ParsedParams<DirectParams> {
    const reader = new ParamReader(raw, defaults);
    const parallelism = reader.number('parallelism', 100, 1, 1000);
    const retainPreviousSeconds = readRetainPreviousSeconds(reader);
    const errors = reader.finish();
    return errors.length > 0
      ? { ok: false, errors }
      : { ok: true, params: { parallelism, retainPreviousSeconds } };
  }

  preview(nodes: readonly TargetNode[]): StagePlanPreview {
    return { waves: [stableOrder(nodes).map((n) => n.name)], estimatedSeconds: 0 };
  }

  async step(context: StrategyContext, params: DirectParams, raw: StrategyState): Promise<StepResult> {
    const state = raw as DirectState;
    if (context.nodes.length === 0) {
      return { type: 'failed', state: raw, message: EMPTY_ENVIRONMENT_MESSAGE, unrestoredNodeIds: [] };
    }
    if (state.phase === 'rollback')
      return rollBackUpdated(context, raw, state.updated ?? [], state.reason ?? 'Failed');
    if (context.abortRequested) {
      return {
        type: 'continue',
        state: { phase: 'rollback', updated: [], reason: 'Aborted by an operator' },
      };
    }
    const nodes = stableOrder(context.nodes);
    const result = await context.run('install', nodes, 'install', {
      retainPreviousSeconds: params.retainPreviousSeconds,
    });
    await context.progress({
      nodesUpdated: result.succeeded.length,
      nodesFailed: result.failed.length,
      wave: 1,
      waves: 1,
    });
    if (result.failed.length > 0) {
      return {
        type: 'continue',
        state: {
          phase: 'rollback',
          updated: [...result.succeeded],
          reason: `Install failed on ${result.failed.length} of ${nodes.length} node(s) (${describeFailures(result.failed, nodes)})`,
        },
      };
    }
    return {
      type: 'succeeded',
      state: { phase: 'done', updated: [...result.succeeded] },
      message: `Deployed ${context.moduleName}@${context.version} to ${nodes.length} node(s)${nameList(nodes)}`,
      updatedNodeIds: result.succeeded,
    };
  }
}
