import { CANARY_THRESHOLD_LIMITS } from '@hotswap/contracts';
import { Injectable } from '@nestjs/common';
import { analyseCanary, DEFAULT_THRESHOLDS, type AnalysisThresholds } from '../analysis/canary-analysis';
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
import { canaryWaves, nameList } from './wave-planning';

export interface CanaryParams {
  readonly steps: readonly number[];
  readonly stepWaitSeconds: number;
  /** Wait for `resume`/`promote` after each step instead of the timed wait. */
  readonly pause: boolean;
  readonly thresholds: AnalysisThresholds;
  readonly minSamples: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  /** Delay before an inconclusive or failed measurement is tried again. */
  readonly retryIntervalSeconds: number;
  /** How long each node keeps the version it replaced loaded (instant rollback). */
  readonly retainPreviousSeconds: number;
}

interface CanaryState {
  readonly phase?: 'install' | 'wait' | 'paused' | 'analyze' | 'rollback' | 'done';
  readonly wave?: number;
  readonly updated?: string[];
  readonly windowStartMs?: number;
  readonly waitUntilMs?: number;
  readonly inconclusive?: number;
  readonly errors?: number;
  readonly reason?: string;
  readonly stageStartMs?: number;
  /**
   * An operator promoted the stage: no wait, pause or retry interval for the rest of it. Kept in the
   * stage's state (persisted with it) rather than read from the one-shot request, so it holds for every
   * later wave and across a crash and resume.
   */
  readonly promoted?: boolean;
}

/** The highest thresholds there are (percent); an administrator sets an environment's bounds within them. */
export const THRESHOLD_BOUNDS: AnalysisThresholds = CANARY_THRESHOLD_LIMITS;

const THRESHOLD_KEYS = Object.keys(DEFAULT_THRESHOLDS) as (keyof AnalysisThresholds)[];

/** The threshold values of an environment's settings (validated when they were set); others ignored. */
function partialThresholds(value: unknown): Partial<AnalysisThresholds> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Partial<Record<keyof AnalysisThresholds, number>> = {};
  for (const key of THRESHOLD_KEYS) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= THRESHOLD_BOUNDS[key]) out[key] = v;
  }
  return out;
}

/**
 * Waves of cumulative percentages; after each wave but the last, wait and compare the canary nodes
 * with the nodes still on the stable version. A failed analysis (or install) rolls back every canary
 * node; too many inconclusive analyses pause the deployment for a human.
 */
@Injectable()
export class CanaryStrategy implements DeploymentStrategy<CanaryParams> {
  readonly name = 'Canary' as const;

  parseParams(
    raw: Readonly<Record<string, unknown>>,
    defaults: Readonly<Record<string, unknown>>,
  ): ParsedParams<CanaryParams> {
    const reader = new ParamReader(raw, defaults);
    const steps = reader.custom<readonly number[]>(
      'steps',
      [10, 30, 50, 100],
      (value) =>
        Array.isArray(value) &&
        value.length >= 1 &&
        value.length <= 20 &&
        value.every(
          (v, i) =>
            typeof v === 'number' &&
            Number.isFinite(v) &&
            v > 0 &&
            v <= 100 &&
            (i === 0 || v > (value[i - 1] as number)),
        )
          ? (value as number[])
          : undefined,
      'steps must be 1–20 increasing percentages in (0, 100]',
    );
    const stepWaitSeconds = reader.number('stepWaitSeconds', 900, 0, 86_400);
    const pause = reader.boolean('pause', false);
    // Thresholds: the built-in defaults, under the environment's (`strategyDefaults.Canary.thresholds`),
    // under the deployment's; each at most the environment's bound (`thresholdBounds`, set by an
    // administrator, itself at most THRESHOLD_BOUNDS). Read from `defaults` directly: a request cannot
    // set bounds (`thresholdBounds` in a request is refused as an unknown parameter).
    const bounds: AnalysisThresholds = {
      ...THRESHOLD_BOUNDS,
      ...partialThresholds(defaults['thresholdBounds']),
    };
    const base: AnalysisThresholds = { ...DEFAULT_THRESHOLDS, ...partialThresholds(defaults['thresholds']) };
    const thresholds = reader.custom<AnalysisThresholds>(
      'thresholds',
      base,
      (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
        const merged: Record<string, unknown> = { ...base, ...(value as Record<string, unknown>) };
        if (Object.keys(merged).some((k) => !THRESHOLD_KEYS.includes(k as keyof AnalysisThresholds)))
          return undefined;
        return THRESHOLD_KEYS.every(
          (k) => typeof merged[k] === 'number' && merged[k] >= 0 && merged[k] <= bounds[k],
        )
          ? (merged as unknown as AnalysisThresholds)
          : undefined;
      },
      `thresholds may set errorRate (≤ ${bounds.errorRate}), latencyP95Ms (≤ ${bounds.latencyP95Ms}), cpuPercent (≤ ${bounds.cpuPercent}) and memoryPercent (≤ ${bounds.memoryPercent}) percent`,
    );
    const minSamples = reader.number('minSamples', 3, 0, 1000);
    const inconclusiveLimit = reader.number('inconclusiveLimit', 3, 0, 100);
    const consecutiveErrorLimit = reader.number('consecutiveErrorLimit', 4, 0, 100);
    const retryIntervalSeconds = reader.number('retryIntervalSeconds', 60, 0, 3600);
    const retainPreviousSeconds = readRetainPreviousSeconds(reader);
    const errors = reader.finish();
    return errors.length > 0
      ? { ok: false, errors }
      : {
          ok: true,
          params: {
            steps,
            stepWaitSeconds,
            pause,
            thresholds,
            minSamples,
            inconclusiveLimit,
            consecutiveErrorLimit,
            retryIntervalSeconds,
            retainPreviousSeconds,
          },
        };
  }

  preview(nodes: readonly TargetNode[], params: CanaryParams): StagePlanPreview {
    const waves = canaryWaves(nodes, params.steps);
    return {
      waves: waves.map((w) => w.map((n) => n.name)),
      estimatedSeconds: Math.max(0, waves.length - 1) * params.stepWaitSeconds,
    };
  }

  /**
   * Promote (deployments spec §2: "skip remaining canary waits") skips every wait left in the stage —
   * the current one and those of every later wave, `pause: true` pauses and analysis retry intervals
   * included — but not the analyses: the spec has each step "wait …, then run canary analysis", and
   * promote removes only the wait. Each wave is still analysed, at once, on what it has measured so
   * far, and a failing analysis still rolls every canary node back. Too little data (inconclusive) no
   * longer holds the wave: the observation time it lacks is what the operator chose to skip (as
   * "promote to continue" after an inconclusive pause). A metrics source error still counts towards
   * `consecutiveErrorLimit`, retried without the interval.
   */
  async step(context: StrategyContext, params: CanaryParams, raw: StrategyState): Promise<StepResult> {
    const promotedNow = context.promoteRequested && (raw as CanaryState).promoted !== true;
    const state: CanaryState = promotedNow ? { ...(raw as CanaryState), promoted: true } : raw;
    if (context.nodes.length === 0)
      return {
        type: 'failed',
        state: { ...state },
        message: EMPTY_ENVIRONMENT_MESSAGE,
        unrestoredNodeIds: [],
      };
    const waves = canaryWaves(context.nodes, params.steps);
    const wave = state.wave ?? 0;
    const updated = state.updated ?? [];
    const now = context.now.getTime();
    const phase = state.phase ?? 'install';
    const promoted = state.promoted === true;

    if (phase === 'rollback')
      return rollBackUpdated(context, { ...state }, updated, state.reason ?? 'Failed');
    if (context.abortRequested)
      return { type: 'continue', state: { ...state, phase: 'rollback', reason: 'Aborted by an operator' } };
    if (promoted && (phase === 'wait' || phase === 'paused')) {
      // The wave's wait (or pause) ends now: analyse what it has measured so far, in this step.
      return this.analyse(
        context,
        params,
        { ...state, phase: 'analyze', inconclusive: 0, errors: 0 },
        waves.length,
      );
    }

    switch (phase) {
      case 'install': {
        const nodes = waves[wave] ?? [];
        const result = await context.run('install', nodes, `wave-${wave + 1}`, {
          retainPreviousSeconds: params.retainPreviousSeconds,
        });
        const nowUpdated = [...updated, ...result.succeeded];
        await context.progress({
          nodesUpdated: nowUpdated.length,
          nodesFailed: result.failed.length,
          wave: wave + 1,
          waves: waves.length,
        });
        if (result.failed.length > 0) {
          return {
            type: 'continue',
            state: {
              ...state,
              phase: 'rollback',
              updated: nowUpdated,
              reason: `Install failed in wave ${wave + 1} of ${waves.length} (${describeFailures(result.failed, context.nodes)})`,
            },
          };
        }
        if (wave + 1 >= waves.length) {
          return {
            type: 'succeeded',
            state: { ...state, phase: 'done', updated: nowUpdated },
            message: `Canary completed: ${nowUpdated.length} node(s) on ${context.version} after ${waves.length} wave(s) (${waves.map((w, i) => waves.slice(0, i + 1).flat().length).join(', ')})${nameList(pick(context.nodes, nowUpdated))}`,
            updatedNodeIds: nowUpdated,
          };
        }
        const next: CanaryState = {
          ...state,
          updated: nowUpdated,
          wave,
          windowStartMs: now,
          stageStartMs: state.stageStartMs ?? now,
          inconclusive: 0,
          errors: 0,
        };
        // Promoted: neither pause nor wait; the wave is analysed at once.
        if (promoted) return this.analyse(context, params, { ...next, phase: 'analyze' }, waves.length);
        if (params.pause)
          return {
            type: 'pause',
            state: { ...next, phase: 'paused' },
            message: `Wave ${wave + 1} of ${waves.length} done; waiting for resume or promote`,
          };
        // No observation time: analyse in this step rather than spending two more on an empty wait.
        if (params.stepWaitSeconds === 0)
          return this.analyse(context, params, { ...next, phase: 'analyze' }, waves.length);
        return {
          type: 'continue',
          state: { ...next, phase: 'wait', waitUntilMs: now + params.stepWaitSeconds * 1000 },
        };
      }
      case 'paused':
        // Called again only after a resume: analyse what the wave has produced so far.
        return { type: 'continue', state: { ...state, phase: 'analyze', inconclusive: 0, errors: 0 } };
      case 'wait':
        if (now < (state.waitUntilMs ?? 0)) {
          return {
            type: 'wait',
            state: { ...state },
            untilMs: state.waitUntilMs ?? now,
            message: `Observing wave ${wave + 1} of ${waves.length}`,
          };
        }
        return { type: 'continue', state: { ...state, phase: 'analyze' } };
      case 'analyze':
        return this.analyse(context, params, state, waves.length);
      case 'done':
        return {
          type: 'failed',
          state: { ...state },
          message: state.reason ?? 'Stage already finished',
          unrestoredNodeIds: [],
        };
    }
  }

  private async analyse(
    context: StrategyContext,
    params: CanaryParams,
    state: CanaryState,
    waveCount: number,
  ): Promise<StepResult> {
    const wave = state.wave ?? 0;
    const updated = state.updated ?? [];
    const now = context.now.getTime();
    const from = new Date(state.windowStartMs ?? now);
    const to = context.now;
    const updatedSet = new Set(updated);
    let baselineIds = context.nodes.filter((n) => !updatedSet.has(n.id)).map((n) => n.id);
    let baselineWindow = { from, to };
    if (baselineIds.length === 0) {
      // No node left on the stable version: compare with the canary nodes before the deployment.
      baselineIds = updated;
      const length = to.getTime() - from.getTime();
      const start = state.stageStartMs ?? from.getTime();
      baselineWindow = { from: new Date(start - length), to: new Date(start) };
    }
    let result;
    try {
      const [canary, baseline] = await Promise.all([
        context.metrics(updated, from, to),
        context.metrics(baselineIds, baselineWindow.from, baselineWindow.to),
      ]);
      result = analyseCanary({
        canaryNodeIds: updated,
        canary,
        baselineNodeIds: baselineIds,
        baseline,
        thresholds: params.thresholds,
        minSamples: params.minSamples,
      });
    } catch (error) {
      const errors = (state.errors ?? 0) + 1;
      const reason = `metrics source error: ${error instanceof Error ? error.message : String(error)}`;
      await context.recordAnalysis(
        wave + 1,
        { verdict: 'fail', reason, comparisons: [], canarySamples: 0, baselineSamples: 0 },
        { from, to },
      );
      if (errors > params.consecutiveErrorLimit) {
        return {
          type: 'continue',
          state: {
            ...state,
            phase: 'rollback',
            reason: `Canary analysis failed: ${errors} consecutive metrics errors (${reason})`,
          },
        };
      }
      if (state.promoted === true)
        return {
          type: 'continue',
          state: { ...state, errors },
          message: `Canary analysis error ${errors}; retrying`,
        };
      return {
        type: 'wait',
        state: { ...state, errors },
        untilMs: now + params.retryIntervalSeconds * 1000,
        message: `Canary analysis error ${errors}; retrying`,
      };
    }
    await context.recordAnalysis(wave + 1, result, { from, to });
    switch (result.verdict) {
      case 'fail':
        return {
          type: 'continue',
          state: {
            ...state,
            phase: 'rollback',
            reason: `Canary analysis failed after wave ${wave + 1} of ${waveCount}: ${result.reason}`,
          },
        };
      case 'inconclusive': {
        if (state.promoted === true)
          return {
            type: 'continue',
            state: { ...state, phase: 'install', wave: wave + 1, errors: 0, inconclusive: 0 },
            message: `Promoted: wave ${wave + 1} of ${waveCount} continues without conclusive analysis (${result.reason})`,
          };
        const inconclusive = (state.inconclusive ?? 0) + 1;
        if (inconclusive > params.inconclusiveLimit) {
          return {
            type: 'pause',
            state: { ...state, phase: 'paused', inconclusive },
            message: `Canary analysis inconclusive ${inconclusive} time(s) (${result.reason}); paused for a human: resume to analyse again, promote to continue, abort to roll back`,
          };
        }
        return {
          type: 'wait',
          state: { ...state, inconclusive, errors: 0 },
          untilMs: now + params.retryIntervalSeconds * 1000,
          message: `Canary analysis inconclusive (${result.reason}); retrying`,
        };
      }
      case 'pass':
        return {
          type: 'continue',
          state: { ...state, phase: 'install', wave: wave + 1, errors: 0, inconclusive: 0 },
        };
    }
  }
}
