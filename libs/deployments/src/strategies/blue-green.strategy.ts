import { Injectable } from '@nestjs/common';
import type { TargetNode } from '../ports';
import { ParamReader } from './params';
import { describeFailures, pick } from './rollback-helper';
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

export interface BlueGreenParams {
  readonly smokeTestTimeoutSeconds: number;
  /** How long blue stays loaded as `previous` after the switch (instant rollback); then unloaded. */
  readonly scaleDownDelaySeconds: number;
  /** How often the smoke test probes the green slots while it waits. */
  readonly smokeTestIntervalSeconds: number;
}

interface BlueGreenState {
  readonly phase?: 'stage' | 'smoke' | 'activate' | 'unstage' | 'reactivate' | 'done';
  readonly staged?: string[];
  readonly activated?: string[];
  readonly smokeDeadlineMs?: number;
  readonly reason?: string;
}

/**
 * Stage green on every node while blue serves; smoke-test every green slot; then activate everywhere.
 * A staging or smoke failure unstages green (traffic never moved); an activation failure re-activates
 * blue on the nodes already switched.
 */
@Injectable()
export class BlueGreenStrategy implements DeploymentStrategy<BlueGreenParams> {
  readonly name = 'BlueGreen' as const;

  parseParams(
    raw: Readonly<Record<string, unknown>>,
    defaults: Readonly<Record<string, unknown>>,
  ): ParsedParams<BlueGreenParams> {
    const reader = new ParamReader(raw, defaults);
    const smokeTestTimeoutSeconds = reader.number('smokeTestTimeoutSeconds', 300, 0, 86_400);
    const scaleDownDelaySeconds = reader.number('scaleDownDelaySeconds', 30, 0, 86_400);
    const smokeTestIntervalSeconds = reader.number('smokeTestIntervalSeconds', 5, 1, 600);
    const errors = reader.finish();
    return errors.length > 0
      ? { ok: false, errors }
      : { ok: true, params: { smokeTestTimeoutSeconds, scaleDownDelaySeconds, smokeTestIntervalSeconds } };
  }

  preview(nodes: readonly TargetNode[]): StagePlanPreview {
    const names = stableOrder(nodes).map((n) => n.name);
    return { waves: [names, names], estimatedSeconds: 0 };
  }

  async step(context: StrategyContext, params: BlueGreenParams, raw: StrategyState): Promise<StepResult> {
    const state = raw as BlueGreenState;
    const nodes = stableOrder(context.nodes);
    if (nodes.length === 0)
      return { type: 'failed', state: raw, message: EMPTY_ENVIRONMENT_MESSAGE, unrestoredNodeIds: [] };
    const staged = state.staged ?? [];

    switch (state.phase ?? 'stage') {
      case 'unstage': {
        const result = await context.run('unstage', pick(nodes, staged), 'unstage');
        const unrestored = result.failed.map((f) => f.nodeId);
        return {
          type: 'failed',
          state: { ...state, phase: 'done' },
          message: `${state.reason ?? 'Failed'}; green unstaged on ${result.succeeded.length} node(s), traffic remains on blue${
            unrestored.length > 0 ? ` (unstage failed on ${describeFailures(result.failed, nodes)})` : ''
          }`,
          unrestoredNodeIds: unrestored,
        };
      }
      case 'reactivate': {
        const result = await context.run('rollback', pick(nodes, state.activated ?? []), 'reactivate-blue');
        const unstaged = await context.run(
          'unstage',
          pick(
            nodes,
            staged.filter((id) => !(state.activated ?? []).includes(id)),
          ),
          'unstage',
        );
        const unrestored = [...result.failed, ...unstaged.failed].map((f) => f.nodeId);
        return {
          type: 'failed',
          state: { ...state, phase: 'done' },
          message: `${state.reason ?? 'Activation failed'}; blue re-activated on ${result.succeeded.length} node(s)`,
          unrestoredNodeIds: unrestored,
        };
      }
      case 'stage': {
        if (context.abortRequested)
          return {
            type: 'continue',
            state: { ...state, phase: 'unstage', reason: 'Aborted by an operator' },
          };
        const result = await context.run('stage', nodes, 'stage');
        await context.progress({ nodesUpdated: 0, nodesFailed: result.failed.length, wave: 1, waves: 2 });
        if (result.failed.length > 0) {
          return {
            type: 'continue',
            state: {
              phase: 'unstage',
              staged: [...result.succeeded],
              reason: `Staging failed (${describeFailures(result.failed, nodes)})`,
            },
          };
        }
        return {
          type: 'continue',
          state: {
            phase: 'smoke',
            staged: [...result.succeeded],
            smokeDeadlineMs: context.now.getTime() + params.smokeTestTimeoutSeconds * 1000,
          },
        };
      }
      case 'smoke': {
        if (context.abortRequested)
          return {
            type: 'continue',
            state: { ...state, phase: 'unstage', reason: 'Aborted by an operator' },
          };
        const health = await context.health(pick(nodes, staged));
        const failing = staged.filter((id) => health.get(id)?.healthy !== true);
        if (failing.length === 0) return { type: 'continue', state: { ...state, phase: 'activate' } };
        const deadline = state.smokeDeadlineMs ?? 0;
        if (context.now.getTime() < deadline) {
          return {
            type: 'wait',
            state: raw,
            untilMs: Math.min(deadline, context.now.getTime() + params.smokeTestIntervalSeconds * 1000),
            message: `Smoke test: ${failing.length} green slot(s) not healthy yet`,
          };
        }
        const detail = describeFailures(
          failing.map((id) => ({ nodeId: id, error: health.get(id)?.reason ?? 'unhealthy' })),
          nodes,
        );
        return {
          type: 'continue',
          state: {
            ...state,
            phase: 'unstage',
            reason: `Smoke test failed within ${params.smokeTestTimeoutSeconds}s (${detail})`,
          },
        };
      }
      case 'activate': {
        const result = await context.run('activate', nodes, 'activate', {
          retainPreviousSeconds: params.scaleDownDelaySeconds,
        });
        await context.progress({
          nodesUpdated: result.succeeded.length,
          nodesFailed: result.failed.length,
          wave: 2,
          waves: 2,
        });
        if (result.failed.length > 0) {
          return {
            type: 'continue',
            state: {
              ...state,
              phase: 'reactivate',
              activated: [...result.succeeded],
              reason: `Activation failed (${describeFailures(result.failed, nodes)})`,
            },
          };
        }
        return {
          type: 'succeeded',
          state: { ...state, phase: 'done', activated: [...result.succeeded] },
          message: `Green ${context.version} active on ${nodes.length} node(s)${nameList(nodes)}; blue retained for ${params.scaleDownDelaySeconds}s for instant rollback, then unloaded`,
          updatedNodeIds: result.succeeded,
        };
      }
      case 'done':
        return {
          type: 'failed',
          state: raw,
          message: state.reason ?? 'Stage already finished',
          unrestoredNodeIds: [],
        };
    }
  }
}
