import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventPayloads, EventType } from '@hotswap/contracts';
import { type AuditEntry, AuditService, SYSTEM_ACTOR } from '@hotswap/audit';
import { Database } from '@hotswap/database';
import { EventLog, type EventEntry } from '@hotswap/events';
import type { AnalysisResult } from './analysis/canary-analysis';
import { DEPLOYMENT_CLOCK, type DeploymentClock } from './clock';
import {
  DeploymentStatus,
  isTerminal,
  StageStatus,
  type DeploymentStatus as Status,
} from './deployment-state';
import { DeploymentMetrics, NO_STRATEGY } from './deployment.metrics';
import { DeploymentsRepository } from './deployments.repository';
import type { DeploymentStageEntity, PlannedNodeSnapshot } from './entities/deployment-stage.entity';
import type { DeploymentEntity } from './entities/deployment.entity';
import {
  APPROVAL_GATE,
  ENVIRONMENTS,
  MODULE_CATALOG,
  NODE_FLEET,
  type ApprovalGatePort,
  type CatalogInspection,
  type EnvironmentPolicy,
  type EnvironmentsPort,
  type ModuleCatalogPort,
  type NodeFleetPort,
  type NodeOperationKind,
  type StrategyName,
  type TargetNode,
} from './ports';
import { RESTORE_PARAM, VERIFY_WINDOW_PARAM, withoutEngineParams } from './engine-params';
import { DEFAULT_RETAIN_PREVIOUS_SECONDS } from './strategies/params';
import type { OperationOptions, OperationResults, StepResult, StrategyContext } from './strategies/strategy';
import { signaturePolicyRefusal } from './signature-policy';
import { StrategyRegistry } from './strategy-registry';

/** Steps one run may take before yielding the worker to other deployments. */
const MAX_STEPS_PER_RUN = 50;
/** How often a gate or a queue slot is looked at again when nothing wakes the deployment. */
const RECHECK_MS = 5_000;
/**
 * `deployment.progress` is coalesced (events.md §1: at most a few per second): the stage row always
 * holds the latest counts, while an event goes out for a stage's first batch or wave, its last, and
 * otherwise at most this often.
 */
const PROGRESS_EVENT_INTERVAL_MS = 250;
const DEFAULT_VERIFY_WINDOW_SECONDS = 30;

/**
 * What one `advance()` call reads once and keeps: the environment policies, and the deployment's stages
 * (only the runner writes stage rows, under the per-deployment lock, and every such write goes through
 * {@link DeploymentRunner.updateStage}, which applies it to these objects too). The deployment row itself
 * is read at every step: operators' pause/abort/promote requests arrive there.
 */
interface RunCache {
  policies?: Promise<EnvironmentPolicy[]>;
  /** The module version and its verification, read once (Validate and Verify both use it). */
  inspection?: Promise<CatalogInspection>;
  stages?: DeploymentStageEntity[];
}

/** Columns of the deployment row written together with a status transition. */
type DeploymentChanges = Partial<Omit<DeploymentEntity, 'id' | 'status' | 'statusReason'>>;
type StageChanges = Partial<Omit<DeploymentStageEntity, 'id' | 'deployment'>>;

/**
 * The row writes and events of one transition, made at its end (DR-37): one UPDATE per stage row and
 * per deployment row it touched, however many changes each got, and one multi-row INSERT of its events
 * in the order they were emitted. Same rows, same events, same order, same transaction — fewer
 * statements.
 */
interface TransitionWrites {
  readonly stages: Map<string, StageChanges>;
  readonly deployments: Map<string, Partial<Omit<DeploymentEntity, 'id'>>>;
  readonly events: EventEntry[];
  readonly audits: AuditEntry[];
  /** Metrics of the transition's changes: recorded once it committed (a rolled-back one records none). */
  readonly metrics: ((metrics: DeploymentMetrics) => void)[];
  /** An environment slot this transition takes: confirmed under the environment's lock after its writes. */
  slot?: { readonly environment: string; readonly limit: number; readonly deploymentId: string };
}

/**
 * Thrown at the end of a transition whose slot, free when it was counted, was taken meanwhile by
 * another deployment entering the same environment: the transition rolls back and the step is tried
 * again (it then finds the environment at its limit and waits `Queued`).
 */
class SlotTaken extends Error {
  constructor(environment: string) {
    super(`The last free slot of ${environment} was taken by another deployment`);
  }
}

/**
 * Whether the deployment waits for the environment's approval: a deployment when the policy requires
 * one; a manual rollback only when the policy also says `appliesToRollbacks` (deployments spec §6).
 */
function gatedFor(deployment: DeploymentEntity, policy: EnvironmentPolicy): boolean {
  const approval = policy.approvalPolicy;
  return approval.required && (deployment.kind === 'deploy' || approval.appliesToRollbacks);
}

/** "; not restored, flagged for reconciliation: node-a, node-b" (names from the stage's plan). */
function unrestoredNote(stage: DeploymentStageEntity, nodeIds: readonly string[]): string {
  const names = new Map(stage.plannedNodes.map((n) => [n.id, n.name]));
  const listed = [...new Set(nodeIds)].map((id) => names.get(id) ?? id);
  const shown =
    listed.length <= 10
      ? listed.join(', ')
      : `${listed.slice(0, 10).join(', ')} and ${listed.length - 10} more`;
  return `; not restored, flagged for reconciliation: ${shown}`;
}

export type RunOutcome =
  { readonly kind: 'continue' } | { readonly kind: 'wait'; readonly until: Date } | { readonly kind: 'stop' };

/**
 * Executes deployments as a persisted state machine, one durable step at a time: whatever process runs
 * `advance(id)` next (after a crash, another replica) continues from the last committed step, and the
 * node-operation log makes a repeated step neither repeat nor skip an operation.
 */
@Injectable()
export class DeploymentRunner {
  private readonly logger = new Logger('DeploymentRunner');
  /** When this process last sent a stage's progress event (by stage id; removed at its last batch). */
  private readonly progressSentAt = new Map<string, number>();

  /** The writes of the transition the current code runs in (see {@link transition}). */
  private readonly writes = new AsyncLocalStorage<TransitionWrites>();

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(DeploymentsRepository) private readonly repository: DeploymentsRepository,
    @Inject(StrategyRegistry) private readonly strategies: StrategyRegistry,
    @Inject(NODE_FLEET) private readonly fleet: NodeFleetPort,
    @Inject(ENVIRONMENTS) private readonly environments: EnvironmentsPort,
    @Inject(MODULE_CATALOG) private readonly catalog: ModuleCatalogPort,
    @Inject(APPROVAL_GATE) private readonly gate: ApprovalGatePort,
    @Inject(EventLog) private readonly events: EventLog,
    @Inject(DEPLOYMENT_CLOCK) private readonly clock: DeploymentClock,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(DeploymentMetrics) private readonly metrics: DeploymentMetrics,
  ) {}

  /** Runs steps until the deployment waits, pauses or finishes. Returns when to run it next. */
  async advance(id: string): Promise<Date | null> {
    const cache: RunCache = {};
    for (let i = 0; i < MAX_STEPS_PER_RUN; i++) {
      const outcome = await this.step(id, cache);
      if (outcome.kind === 'wait') return outcome.until;
      if (outcome.kind === 'stop') return null;
    }
    return this.clock.now();
  }

  /** One durable step (`cache`: what the current `advance()` call has read already). */
  async step(id: string, cache: RunCache = {}): Promise<RunOutcome> {
    try {
      return await this.stepOnce(id, cache);
    } catch (error) {
      if (!(error instanceof SlotTaken)) throw error;
      // The step's transition rolled back, so the stages this call holds (changed as it wrote them)
      // are stale: read them again and take the step anew (it now sees the slot taken).
      delete cache.stages;
      return { kind: 'continue' };
    }
  }

  private async stepOnce(id: string, cache: RunCache): Promise<RunOutcome> {
    const deployment = await this.repository.find(id);
    if (
      deployment === null ||
      isTerminal(deployment.status as Status) ||
      deployment.status === DeploymentStatus.Paused
    ) {
      return { kind: 'stop' };
    }
    cache.stages ??= await this.repository.stagesOf(id);
    const stages = cache.stages;
    const stage = stages[deployment.currentStage];
    if (stage === undefined)
      return this.finish(deployment, stages, DeploymentStatus.Succeeded, 'All stages completed');
    if (deployment.pauseRequested && stage.phase !== 'rollback') {
      await this.transition(async () => {
        await this.setStatus(deployment, DeploymentStatus.Paused, 'Paused by an operator', {
          pauseRequested: false,
        });
      });
      return { kind: 'stop' };
    }
    if (deployment.abortRequested && stage.kind !== 'environment') {
      return this.finish(
        deployment,
        stages,
        DeploymentStatus.Cancelled,
        'Aborted by an operator before any node changed',
      );
    }
    switch (stage.kind) {
      case 'validate':
        return this.validateAndVerify(deployment, stages, stage, cache);
      case 'verify':
        return this.verify(deployment, stages, stage, cache);
      case 'environment':
        return this.environmentStep(deployment, stages, stage, cache);
      case 'complete':
        await this.transition(async () => {
          await this.completeStage(deployment, stage, StageStatus.Succeeded, 'Deployment complete');
          await this.finishWrites(deployment, stages, DeploymentStatus.Succeeded, 'All stages completed');
        });
        return this.finished(deployment, DeploymentStatus.Succeeded, 'All stages completed');
    }
  }

  // ---------------------------------------------------------------- stages

  /**
   * Validate, then Verify, as one transition: both stages only read before they write, so their
   * starts and outcomes (the same rows, events and audit records as two transitions) commit together
   * — one step, one transaction, instead of two of each. A failing check fails its stage as before.
   */
  private async validateAndVerify(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    cache: RunCache,
  ): Promise<RunOutcome> {
    const problem = await this.validationProblem(deployment, stages, cache);
    if (problem !== null)
      return this.failStage(deployment, stages, stage, problem, DeploymentStatus.Failed, false, () =>
        this.startStage(deployment, stage),
      );
    const next = stages[deployment.currentStage + 1];
    const verifyStage = next?.kind === 'verify' ? next : undefined;
    const verified =
      verifyStage === undefined ? undefined : await this.verification(deployment, stages, cache);
    const checked = async () => {
      await this.startStage(deployment, stage);
      await this.completeStage(
        deployment,
        stage,
        StageStatus.Succeeded,
        'Manifest, version and environments valid',
      );
      if (verifyStage === undefined || verified === undefined) return null;
      await this.startStage(deployment, verifyStage);
      if (!verified.ok)
        return this.failStageWrites(
          deployment,
          stages,
          verifyStage,
          verified.reason,
          DeploymentStatus.Failed,
        );
      await this.completeStage(deployment, verifyStage, StageStatus.Succeeded, verified.message);
      return null;
    };
    // Both passed and the first environment follows: its entry (skip, or the slot's claim) commits with
    // them, as the next step would have right after (its pause and abort checks were just made).
    const first = verifyStage === undefined ? undefined : stages[deployment.currentStage + 2];
    if (verified?.ok === true && first?.kind === 'environment' && deployment.kind === 'deploy') {
      const policy = (await this.policies(cache)).find((e) => e.name === first.environment);
      if (policy !== undefined)
        return this.enterEnvironment(deployment, stages, first, policy, async () => {
          await checked();
        });
    }
    const failed = await this.transition(checked);
    return failed === null ? { kind: 'continue' } : this.finished(deployment, failed.status, failed.reason);
  }

  /** A deployment resumed at Verify (e.g. recorded by an earlier version that ran it on its own). */
  private async verify(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    cache: RunCache,
  ): Promise<RunOutcome> {
    const start = () => this.startStage(deployment, stage);
    const verified = await this.verification(deployment, stages, cache);
    if (!verified.ok)
      return this.failStage(
        deployment,
        stages,
        stage,
        verified.reason,
        DeploymentStatus.Failed,
        false,
        start,
      );
    await this.transition(async () => {
      await start();
      await this.completeStage(deployment, stage, StageStatus.Succeeded, verified.message);
    });
    return { kind: 'continue' };
  }

  /** Validate's checks (reads only): why the deployment cannot go ahead, or null. */
  private async validationProblem(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    cache: RunCache,
  ): Promise<string | null> {
    const { version } = await this.inspect(deployment, cache);
    const environments = await this.policies(cache);
    const path = stages.filter((s) => s.kind === 'environment').map((s) => s.environment);
    const frozen = environments.filter((e) => path.includes(e.name) && e.frozen);
    if (version === null)
      return `Module version ${deployment.moduleName}@${deployment.version} does not exist`;
    if (version.yanked && deployment.kind === 'deploy')
      return `${deployment.moduleName}@${deployment.version} is yanked`;
    if (frozen.length > 0)
      return `Environment ${frozen.map((e) => `${e.name} is frozen${e.frozenReason ? ` (${e.frozenReason})` : ''}`).join(', ')}`;
    return null;
  }

  /** Verify's checks (reads only): digest, signature, and the signature policy of the path. */
  private async verification(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    cache: RunCache,
  ): Promise<{ ok: true; message: string } | { ok: false; reason: string }> {
    const verified = (await this.inspect(deployment, cache)).verification;
    const path = stages.filter((s) => s.kind === 'environment').map((s) => s.environment);
    const refusal = signaturePolicyRefusal(
      deployment.moduleName,
      deployment.version,
      verified,
      (await this.policies(cache)).filter((e) => path.includes(e.name)),
    );
    if (refusal !== null) return { ok: false, reason: refusal };
    return {
      ok: true,
      message:
        verified.ok && verified.signed
          ? 'Digest and signature verified against a trusted key'
          : 'Digest verified; the version is unsigned (allowed on this path)',
    };
  }

  private async environmentStep(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    cache: RunCache,
  ): Promise<RunOutcome> {
    const environment = stage.environment ?? '';
    const policy = (await this.policies(cache)).find((e) => e.name === environment);
    if (policy === undefined)
      return this.failStage(
        deployment,
        stages,
        stage,
        `Environment ${environment} no longer exists`,
        DeploymentStatus.Failed,
      );
    if (deployment.kind === 'rollback') {
      // A manual rollback skips the gate unless the environment's policy subjects rollbacks to it.
      if (gatedFor(deployment, policy) && (stage.phase === 'start' || stage.phase === 'gate')) {
        if (stage.phase === 'start') await this.transition(() => this.updateStage(stage, { phase: 'gate' }));
        return this.approvalGate(deployment, stages, stage, policy);
      }
      if (stage.phase === 'start' || stage.phase === 'gate' || stage.phase === 'deploy')
        return this.restore(deployment, stages, stage);
    }
    switch (stage.phase) {
      case 'start':
        return this.enterEnvironment(deployment, stages, stage, policy);
      case 'gate':
        return this.approvalGate(deployment, stages, stage, policy);
      case 'deploy':
        return this.deploy(deployment, stages, stage, policy);
      case 'verify':
        return this.postDeployVerify(deployment, stages, stage);
      case 'rollback':
        return this.rollBackStage(deployment, stages, stage);
      case 'done':
        return { kind: 'continue' };
    }
  }

  private async enterEnvironment(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    policy: EnvironmentPolicy,
    /** Writes of the same step that belong before the entry, in its transaction (Validate, Verify). */
    before: () => Promise<void> = () => Promise.resolve(),
  ): Promise<RunOutcome> {
    if (deployment.abortRequested)
      return this.finish(
        deployment,
        stages,
        DeploymentStatus.Cancelled,
        `Aborted by an operator before ${policy.name} changed`,
      );
    const nodes = await this.fleet.nodesOf(policy.name, deployment.moduleName);
    if (
      deployment.kind === 'deploy' &&
      nodes.length > 0 &&
      nodes.every((n) => n.reachable && n.healthy && n.activeVersion === deployment.version)
    ) {
      await this.transition(async () => {
        await before();
        await this.startStage(deployment, stage);
        await this.completeStage(
          deployment,
          stage,
          StageStatus.Skipped,
          `Every node of ${policy.name} (${nodes.length}) already runs ${deployment.version} healthily`,
        );
        await this.writeDeployment(deployment, { currentStage: deployment.currentStage + 1 });
      });
      return { kind: 'continue' };
    }
    // Without an approval to wait for, the gate is no step of its own: the slot's claim also starts the
    // deployment to the nodes just read (the plan), in the same transaction, and the step goes on to
    // the strategy's first step — as the gate and deploy steps would, less two transactions and reads.
    const gated = gatedFor(deployment, policy);
    // With no node to change, the strategy's first step makes no node operation (it fails the stage):
    // its outcome commits with the entry, in one transaction instead of two.
    const empty = !gated && nodes.length === 0;
    // Count and claim a slot atomically: deployments entering at the same moment cannot all see a free one.
    const entered = await this.transition(async (): Promise<RunOutcome | null> => {
      await before();
      if (!(await this.claimSlot(deployment, policy, ''))) return null;
      if (gated) await this.updateStage(stage, { phase: 'gate' });
      await this.setStatus(deployment, DeploymentStatus.Running, `Entering ${policy.name}`);
      if (!gated) await this.beginDeploy(deployment, stage, policy, nodes);
      return empty ? this.deploy(deployment, stages, stage, policy, nodes) : { kind: 'continue' };
    });
    if (entered === null) return { kind: 'wait', until: new Date(this.clock.now().getTime() + RECHECK_MS) };
    if (empty || gated) return entered;
    return this.deploy(deployment, stages, stage, policy, nodes);
  }

  /**
   * Inside the caller's transition: takes one of the environment's slots when one is free; otherwise
   * leaves the deployment `Queued`, its reason naming the limit, and answers false. A free slot is
   * counted again at the end of the transition under a per-environment lock held only from that count
   * to the commit (deployments claiming at the same moment cannot all take the last slot, and entries
   * into one environment wait for each other's count and commit only, not for their whole
   * transitions); if it was taken meanwhile, the transition rolls back and the step runs again.
   */
  private async claimSlot(
    deployment: DeploymentEntity,
    policy: EnvironmentPolicy,
    reasonPrefix: string,
  ): Promise<boolean> {
    const limit = policy.maxConcurrentDeployments;
    const running = await this.repository.runningIn(policy.name, [DeploymentStatus.Running], deployment.id);
    if (running < limit) {
      const writes = this.writes.getStore();
      if (writes === undefined) throw new Error('a slot is claimed inside a transition');
      writes.slot = { environment: policy.name, limit, deploymentId: deployment.id };
      return true;
    }
    const reason = `${reasonPrefix}${policy.name} is at its limit of ${policy.maxConcurrentDeployments} concurrent deployments`;
    await this.setStatus(deployment, DeploymentStatus.Queued, reason);
    return false;
  }

  private async approvalGate(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    policy: EnvironmentPolicy,
  ): Promise<RunOutcome> {
    if (deployment.abortRequested)
      return this.finish(
        deployment,
        stages,
        DeploymentStatus.Cancelled,
        `Aborted by an operator at the ${policy.name} gate`,
      );
    if (gatedFor(deployment, policy)) {
      const decision = await this.gate.evaluate({
        deploymentId: deployment.id,
        environment: policy.name,
        policy: policy.approvalPolicy,
        requestedBy: deployment.requestedBy,
      });
      if (decision.state === 'rejected')
        return this.failStage(deployment, stages, stage, decision.reason, DeploymentStatus.Failed);
      if (decision.state === 'pending') {
        if (stage.status !== StageStatus.WaitingForApproval) {
          await this.transition(async () => {
            await this.updateStage(stage, {
              status: StageStatus.WaitingForApproval,
              startedAt: stage.startedAt ?? this.clock.now(),
              message: `Waiting for approval (quorum ${policy.approvalPolicy.quorum})`,
            });
            await this.emitForStage(deployment, stage, 'deployment.stage_changed', {
              stage: stage.name,
              environment: stage.environment,
              status: StageStatus.WaitingForApproval,
              message: 'Waiting for approval',
            });
            await this.setStatus(
              deployment,
              DeploymentStatus.PendingApproval,
              `Approval required for ${policy.name}`,
            );
          });
        }
        return { kind: 'wait', until: new Date(this.clock.now().getTime() + RECHECK_MS) };
      }
    }
    if (deployment.status === DeploymentStatus.Running) {
      await this.transition(() => this.updateStage(stage, { phase: 'deploy' }));
      return { kind: 'continue' };
    }
    // Waiting for approval held no slot (DR-23): approved, it claims one like a deployment entering
    // the environment, and waits Queued while the environment is at its cap.
    const claimed = await this.transition(async () => {
      if (!(await this.claimSlot(deployment, policy, 'Approved; '))) return false;
      await this.updateStage(stage, { phase: 'deploy' });
      await this.setStatus(deployment, DeploymentStatus.Running, `Approved for ${policy.name}`);
      return true;
    });
    if (!claimed) return { kind: 'wait', until: new Date(this.clock.now().getTime() + RECHECK_MS) };
    return { kind: 'continue' };
  }

  private async deploy(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    policy: EnvironmentPolicy,
    /** The fleet as this step already read it (it is not read again for the step itself). */
    read?: TargetNode[],
  ): Promise<RunOutcome> {
    let justRead = read;
    if (stage.status !== StageStatus.Running) {
      justRead ??= await this.fleet.nodesOf(policy.name, deployment.moduleName);
      await this.beginDeploy(deployment, stage, policy, justRead);
    }
    const planned = stage.plannedNodes;
    if (
      stage.waitUntil !== null &&
      stage.waitUntil.getTime() > this.clock.now().getTime() &&
      !deployment.promoteRequested &&
      !deployment.abortRequested
    ) {
      return { kind: 'wait', until: stage.waitUntil };
    }
    const strategy = this.strategies.get(stage.strategy as StrategyName);
    const parsed = strategy.parseParams(withoutEngineParams(stage.params), {});
    if (!parsed.ok)
      return this.failStage(
        deployment,
        stages,
        stage,
        `Invalid strategy parameters: ${parsed.errors.map((e) => e.message).join('; ')}`,
        DeploymentStatus.Failed,
      );
    const current = justRead ?? (await this.fleet.nodesOf(policy.name, deployment.moduleName));
    const byId = new Map(current.map((n) => [n.id, n]));
    const nodes: TargetNode[] = planned.map((p) => byId.get(p.id) ?? departedNode(p.id, p.name));
    const undo = { ran: false };
    const result = await strategy.step(
      this.contextFor(deployment, stage, nodes, undo),
      parsed.params,
      stage.strategyState,
    );
    // The promote request is consumed by the step that saw it, in the transition that stores the state
    // the strategy made of it (a canary records the promotion there for the rest of its stage): a crash
    // between the two can neither lose the promotion nor deliver it twice.
    const consumed = deployment.promoteRequested;
    return this.transition(async () => {
      if (consumed) await this.writeDeployment(deployment, { promoteRequested: false });
      return this.applyStepResult(deployment, stages, stage, result, undo.ran);
    });
  }

  /** The plan (the nodes as read now) and the stage's start, in the caller's transaction or its own. */
  private async beginDeploy(
    deployment: DeploymentEntity,
    stage: DeploymentStageEntity,
    policy: EnvironmentPolicy,
    nodes: readonly TargetNode[],
  ): Promise<void> {
    const planned = nodes.map((n) => ({ id: n.id, name: n.name, activeVersion: n.activeVersion }));
    await this.transition(async () => {
      await this.updateStage(stage, {
        phase: 'deploy',
        plannedNodes: planned,
        nodesTotal: planned.length,
        status: StageStatus.Running,
        startedAt: this.clock.now(),
        message: `Deploying to ${planned.length} node(s) with ${stage.strategy}`,
      });
      this.count((m) => m.started(stage.environment ?? '', stage.strategy ?? NO_STRATEGY));
      await this.emitForStage(deployment, stage, 'deployment.stage_changed', {
        stage: stage.name,
        environment: stage.environment,
        status: StageStatus.Running,
        message: null,
      });
      await this.setStatus(
        deployment,
        DeploymentStatus.Running,
        `Deploying to ${policy.name}`,
        deployment.startedAt === null ? { startedAt: this.clock.now() } : {},
      );
    });
  }

  private async applyStepResult(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    result: StepResult,
    /** The step ran undo operations (rollback, unstage): the strategy rolled its stage back. */
    undone: boolean,
  ): Promise<RunOutcome> {
    switch (result.type) {
      case 'continue':
        await this.transition(() =>
          this.updateStage(stage, {
            strategyState: result.state,
            waitUntil: null,
            ...(result.message ? { message: result.message } : {}),
          }),
        );
        return { kind: 'continue' };
      case 'wait':
        await this.transition(() =>
          this.updateStage(stage, {
            strategyState: result.state,
            waitUntil: new Date(result.untilMs),
            message: result.message,
          }),
        );
        return { kind: 'wait', until: new Date(result.untilMs) };
      case 'pause':
        await this.transition(async () => {
          await this.updateStage(stage, {
            strategyState: result.state,
            waitUntil: null,
            message: result.message,
          });
          await this.setStatus(deployment, DeploymentStatus.Paused, result.message);
        });
        return { kind: 'stop' };
      case 'succeeded': {
        const window = Number(stage.params[VERIFY_WINDOW_PARAM] ?? DEFAULT_VERIFY_WINDOW_SECONDS);
        await this.transition(() =>
          this.updateStage(stage, {
            strategyState: result.state,
            updatedNodeIds: [...result.updatedNodeIds],
            phase: 'verify',
            waitUntil: new Date(this.clock.now().getTime() + window * 1000),
            message: `${result.message}; verifying for ${window}s`,
          }),
        );
        return { kind: 'continue' };
      }
      case 'failed': {
        const aborted = deployment.abortRequested;
        // An environment without nodes changed nothing, so nothing was rolled back: the deployment
        // simply failed ("No nodes available in environment"). Otherwise RolledBack when every change
        // was undone, Failed when a node could not be put back.
        const nothingToUndo = stage.plannedNodes.length === 0;
        const status =
          result.unrestoredNodeIds.length > 0 || (nothingToUndo && !aborted)
            ? DeploymentStatus.Failed
            : aborted
              ? DeploymentStatus.Cancelled
              : DeploymentStatus.RolledBack;
        // A strategy undoes its stage in the step that reports the failure (a resumed step completes
        // the same undo): the automatic rollback is counted with the failure, once.
        const counted = () => {
          this.count((m) => m.rollback(stage.environment ?? '', 'automatic'));
          return Promise.resolve();
        };
        return this.failStage(
          deployment,
          stages,
          stage,
          result.message,
          status,
          result.unrestoredNodeIds.length === 0 && !nothingToUndo,
          undone ? counted : undefined,
          result.unrestoredNodeIds,
        );
      }
    }
  }

  private async postDeployVerify(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
  ): Promise<RunOutcome> {
    if (deployment.abortRequested) {
      await this.beginRollback(stage, 'Aborted by an operator during verification');
      return { kind: 'continue' };
    }
    if (
      stage.waitUntil !== null &&
      stage.waitUntil.getTime() > this.clock.now().getTime() &&
      !deployment.promoteRequested
    ) {
      return { kind: 'wait', until: stage.waitUntil };
    }
    const updated = new Set(stage.updatedNodeIds);
    const nodes = stage.plannedNodes.filter((n) => updated.has(n.id));
    const health = await this.fleet.health(
      nodes.map((n) => n.id),
      deployment.moduleName,
    );
    const unhealthy = nodes.filter((n) => health.get(n.id)?.healthy !== true);
    if (unhealthy.length > 0) {
      await this.beginRollback(
        stage,
        `Post-deploy verification failed: ${unhealthy
          .slice(0, 5)
          .map((n) => `${n.name} (${health.get(n.id)?.reason ?? 'unhealthy'})`)
          .join(', ')}`,
      );
      return { kind: 'continue' };
    }
    await this.transition(async () => {
      await this.completeStage(
        deployment,
        stage,
        StageStatus.Succeeded,
        `${stage.message?.replace(/; verifying for \d+s$/, '') ?? 'Deployed'}; verified healthy`,
      );
      await this.writeDeployment(deployment, { currentStage: deployment.currentStage + 1 });
    });
    return { kind: 'continue' };
  }

  /**
   * A rollback deployment's environment: put each listed node back on its version — an instant switch
   * to the previous slot when that is the version, a (re-)install otherwise — and report the nodes.
   */
  private async restore(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
  ): Promise<RunOutcome> {
    const targets = (stage.params[RESTORE_PARAM] ?? []) as {
      nodeId: string;
      nodeName: string;
      version: string;
    }[];
    const current = new Map(
      (await this.fleet.nodesOf(stage.environment ?? '', deployment.moduleName)).map((n) => [n.id, n]),
    );
    if (stage.status !== StageStatus.Running) {
      const planned = targets.map((t) => ({
        id: t.nodeId,
        name: t.nodeName,
        activeVersion: current.get(t.nodeId)?.activeVersion ?? null,
      }));
      await this.transition(async () => {
        await this.updateStage(stage, {
          plannedNodes: planned,
          nodesTotal: planned.length,
          status: StageStatus.Running,
          phase: 'deploy',
          startedAt: this.clock.now(),
        });
        await this.emitForStage(deployment, stage, 'deployment.stage_changed', {
          stage: stage.name,
          environment: stage.environment,
          status: StageStatus.Running,
          message: null,
        });
        await this.setStatus(
          deployment,
          DeploymentStatus.Running,
          `Rolling back ${stage.environment ?? ''}`,
          deployment.startedAt === null ? { startedAt: this.clock.now() } : {},
        );
      });
      stage.plannedNodes = planned;
    }
    const node = (t: { nodeId: string; nodeName: string }): TargetNode =>
      current.get(t.nodeId) ?? departedNode(t.nodeId, t.nodeName);
    const alreadyThere = targets.filter((t) => node(t).activeVersion === t.version);
    const viaSwitch = targets.filter(
      (t) => node(t).activeVersion !== t.version && node(t).previousVersion === t.version,
    );
    const viaInstall = targets.filter(
      (t) => node(t).activeVersion !== t.version && node(t).previousVersion !== t.version,
    );
    const switched = await this.runOperations(deployment, stage, 'rollback', viaSwitch.map(node), 'restore');
    const installed: { succeeded: string[]; failed: { nodeId: string; error: string }[] } = {
      succeeded: [],
      failed: [],
    };
    for (const version of [...new Set(viaInstall.map((t) => t.version))]) {
      const group = viaInstall.filter((t) => t.version === version).map(node);
      const result = await this.runOperations(
        deployment,
        stage,
        'install',
        group,
        `restore-${version}`,
        version,
        { retainPreviousSeconds: DEFAULT_RETAIN_PREVIOUS_SECONDS },
      );
      installed.succeeded.push(...result.succeeded);
      installed.failed.push(...result.failed);
    }
    const restored = [...switched.succeeded, ...installed.succeeded];
    const failed = [...switched.failed, ...installed.failed];
    await this.progress(
      deployment,
      stage,
      { nodesUpdated: restored.length + alreadyThere.length, nodesFailed: failed.length, wave: 1, waves: 1 },
      targets.length,
    );
    const names = new Map(targets.map((t) => [t.nodeId, t.nodeName]));
    const message = `Rolled back ${restored.length} node(s)${restored.length > 0 && restored.length <= 10 ? `: ${restored.map((id) => names.get(id) ?? id).join(', ')}` : ''}${
      alreadyThere.length > 0 ? `; ${alreadyThere.length} already on the version` : ''
    }${failed.length > 0 ? `; ${failed.length} failed` : ''}`;
    if (failed.length > 0)
      return this.failStage(
        deployment,
        stages,
        stage,
        message,
        DeploymentStatus.Failed,
        false,
        undefined,
        failed.map((f) => f.nodeId),
      );
    await this.transition(async () => {
      await this.completeStage(deployment, stage, StageStatus.Succeeded, message);
      await this.writeDeployment(deployment, { currentStage: deployment.currentStage + 1 });
    });
    return { kind: 'continue' };
  }

  /** Sends a verified stage to {@link rollBackStage}: an automatic rollback starts. */
  private async beginRollback(stage: DeploymentStageEntity, message: string): Promise<void> {
    await this.transition(async () => {
      await this.updateStage(stage, { phase: 'rollback', message });
      this.count((m) => m.rollback(stage.environment ?? '', 'automatic'));
    });
  }

  /** Rolls back every node the stage updated (after a failed post-deploy verification or an abort). */
  private async rollBackStage(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
  ): Promise<RunOutcome> {
    const nodes = await this.targetsOf(stage, deployment.moduleName, stage.updatedNodeIds);
    const results = await this.runOperations(deployment, stage, 'rollback', nodes, 'verify-rollback');
    const status =
      results.failed.length > 0
        ? DeploymentStatus.Failed
        : deployment.abortRequested
          ? DeploymentStatus.Cancelled
          : DeploymentStatus.RolledBack;
    return this.failStage(
      deployment,
      stages,
      stage,
      `${stage.message ?? 'Failed'}; rolled back ${results.succeeded.length} node(s)`,
      status,
      results.failed.length === 0,
      undefined,
      results.failed.map((f) => f.nodeId),
    );
  }

  // ---------------------------------------------------------------- node operations

  private contextFor(
    deployment: DeploymentEntity,
    stage: DeploymentStageEntity,
    nodes: TargetNode[],
    /** Set when the strategy runs an undo operation (see {@link applyStepResult}). */
    undo: { ran: boolean },
  ): StrategyContext {
    return {
      moduleName: deployment.moduleName,
      version: deployment.version,
      environment: stage.environment ?? '',
      nodes,
      now: this.clock.now(),
      promoteRequested: deployment.promoteRequested,
      abortRequested: deployment.abortRequested,
      run: (kind, targets, step, options) => {
        if (kind === 'rollback' || kind === 'unstage') undo.ran = true;
        return this.runOperations(deployment, stage, kind, targets, step, deployment.version, options);
      },
      health: (targets) =>
        this.fleet.health(
          targets.map((n) => n.id),
          deployment.moduleName,
        ),
      metrics: (ids, from, to) => this.fleet.metrics(ids, from, to),
      recordAnalysis: (wave, result, window) => this.recordAnalysis(deployment, stage, wave, result, window),
      progress: (update) => this.progress(deployment, stage, update, nodes.length),
    };
  }

  private async targetsOf(
    stage: DeploymentStageEntity,
    moduleName: string,
    ids: readonly string[],
  ): Promise<TargetNode[]> {
    const wanted = new Set(ids);
    const current = new Map(
      (await this.fleet.nodesOf(stage.environment ?? '', moduleName)).map((n) => [n.id, n]),
    );
    return stage.plannedNodes
      .filter((p) => wanted.has(p.id))
      .map((p) => current.get(p.id) ?? departedNode(p.id, p.name));
  }

  /**
   * Runs `kind` on `nodes` through the operation log: rows are written as pending before the nodes are
   * told, nodes whose row is already finished are not told again, and pending rows (a step cut short
   * by a crash) are sent again — the operations are idempotent, so that completes them exactly once.
   */
  async runOperations(
    deployment: DeploymentEntity,
    stage: DeploymentStageEntity,
    kind: NodeOperationKind,
    nodes: readonly TargetNode[],
    step: string,
    version: string = deployment.version,
    options: OperationOptions = {},
  ): Promise<OperationResults> {
    const ids = nodes.map((n) => n.id);
    const existing = new Map(
      (await this.repository.operationsOf(stage.id, step, kind, ids)).map((op) => [op.nodeId, op]),
    );
    const snapshot = new Map<string, PlannedNodeSnapshot>(stage.plannedNodes.map((n) => [n.id, n]));
    const fresh = nodes.filter((n) => !existing.has(n.id));
    await this.transition(() =>
      this.repository.insertPendingOperations(
        fresh.map((n) => ({
          deploymentId: deployment.id,
          stageId: stage.id,
          environment: stage.environment ?? '',
          nodeId: n.id,
          nodeName: n.name,
          kind,
          step,
          fromVersion:
            kind === 'rollback' ? n.activeVersion : (snapshot.get(n.id)?.activeVersion ?? n.activeVersion),
          toVersion: kind === 'rollback' ? n.previousVersion : kind === 'unstage' ? null : version,
        })),
      ),
    );
    const succeeded: string[] = [];
    const failed: { nodeId: string; error: string }[] = [];
    const toRun: TargetNode[] = [];
    for (const node of nodes) {
      const done = existing.get(node.id);
      if (done?.status === 'succeeded') succeeded.push(node.id);
      else if (done?.status === 'failed') failed.push({ nodeId: node.id, error: done.error ?? 'failed' });
      else toRun.push(node);
    }
    const parallelism = 100;
    const outcomes: { nodeId: string; ok: boolean; error?: string }[] = [];
    const requestFor = (node: TargetNode) => ({
      node,
      kind,
      moduleName: deployment.moduleName,
      version: kind === 'rollback' ? node.previousVersion : version,
      ...(options.retainPreviousSeconds === undefined
        ? {}
        : { retainPreviousSeconds: options.retainPreviousSeconds }),
    });
    const failure = (error: unknown) => (error instanceof Error ? error.message : String(error));
    for (let i = 0; i < toRun.length; i += parallelism) {
      const chunk = toRun.slice(i, i + parallelism);
      if (this.fleet.executeMany !== undefined) {
        // One batch per chunk: the driver answers the chunk with a few round trips, not a few per node.
        const answers = await this.fleet
          .executeMany(chunk.map(requestFor))
          .catch((error: unknown) => chunk.map(() => ({ ok: false, error: failure(error) })));
        chunk.forEach((node, k) => {
          const outcome = answers[k] ?? { ok: false, error: `${kind} failed` };
          outcomes.push({
            nodeId: node.id,
            ok: outcome.ok,
            ...(outcome.ok ? {} : { error: outcome.error ?? `${kind} failed` }),
          });
        });
        continue;
      }
      const answers = await Promise.all(
        chunk.map(async (node) => {
          try {
            const outcome = await this.fleet.execute(requestFor(node));
            return {
              nodeId: node.id,
              ok: outcome.ok,
              ...(outcome.ok ? {} : { error: outcome.error ?? `${kind} failed` }),
            };
          } catch (error) {
            return { nodeId: node.id, ok: false, error: failure(error) };
          }
        }),
      );
      outcomes.push(...answers);
    }
    await this.transition(async () => {
      this.count((m) => m.nodeOperations(kind, outcomes));
      await this.repository.finishOperations(stage.id, step, kind, outcomes);
    });
    for (const outcome of outcomes) {
      if (outcome.ok) succeeded.push(outcome.nodeId);
      else failed.push({ nodeId: outcome.nodeId, error: outcome.error ?? 'failed' });
    }
    return { succeeded, failed };
  }

  private async recordAnalysis(
    deployment: DeploymentEntity,
    stage: DeploymentStageEntity,
    wave: number,
    result: AnalysisResult,
    window: { from: Date; to: Date },
  ): Promise<void> {
    await this.transition(async () => {
      await this.repository.insertMeasurement({
        deploymentId: deployment.id,
        stageId: stage.id,
        environment: stage.environment ?? '',
        wave,
        verdict: result.verdict,
        reason: result.reason,
        comparisons: result.comparisons.map((c) => ({ ...c })),
        canarySamples: result.canarySamples,
        baselineSamples: result.baselineSamples,
        windowFrom: window.from,
        windowTo: window.to,
      });
      this.count((m) => m.canaryAnalysis(result.verdict));
      await this.emitForStage(deployment, stage, 'deployment.analysis', {
        environment: stage.environment ?? '',
        wave,
        verdict: result.verdict,
        reason: result.reason,
        metrics: result.comparisons.map((c) => ({ ...c })),
        thresholds: Object.fromEntries(result.comparisons.map((c) => [c.metric, c.threshold])),
      });
    });
  }

  private async progress(
    deployment: DeploymentEntity,
    stage: DeploymentStageEntity,
    update: { nodesUpdated: number; nodesFailed: number; wave?: number; waves?: number },
    /** The nodes this step works on (the stage row read earlier may predate its plan). */
    total: number,
  ): Promise<void> {
    await this.transition(async () => {
      await this.updateStage(stage, {
        nodesUpdated: update.nodesUpdated,
        nodesFailed: update.nodesFailed,
        ...(update.wave === undefined ? {} : { wave: update.wave }),
        ...(update.waves === undefined ? {} : { waves: update.waves }),
      });
      const now = this.clock.now().getTime();
      const last = this.progressSentAt.get(stage.id);
      const done = update.nodesUpdated + update.nodesFailed >= total;
      if (!done && last !== undefined && now - last < PROGRESS_EVENT_INTERVAL_MS) return;
      if (done) this.progressSentAt.delete(stage.id);
      else this.progressSentAt.set(stage.id, now);
      await this.emitForStage(deployment, stage, 'deployment.progress', {
        environment: stage.environment ?? '',
        nodesTotal: total,
        nodesUpdated: update.nodesUpdated,
        nodesFailed: update.nodesFailed,
        percent: total === 0 ? 0 : Math.round((update.nodesUpdated / total) * 100),
        wave: update.wave ?? stage.wave,
        waves: update.waves ?? stage.waves,
      });
    });
  }

  // ---------------------------------------------------------------- transitions

  /** The module version with its verification, read once per `advance()` call. */
  private inspect(deployment: DeploymentEntity, cache: RunCache): Promise<CatalogInspection> {
    cache.inspection ??= this.catalog.inspect(deployment.moduleName, deployment.version);
    return cache.inspection;
  }

  /** The environment policies, read once per `advance()` call. */
  private policies(cache: RunCache): Promise<EnvironmentPolicy[]> {
    cache.policies ??= this.environments.list();
    return cache.policies;
  }

  /**
   * Runs `work` as one transition: one transaction (or the caller's), whose stage and deployment row
   * writes and events are made together at its end (see {@link TransitionWrites}), and whose metrics
   * are recorded once it committed (in the outermost transition only: a transition that rolls back,
   * e.g. on {@link SlotTaken}, records none).
   */
  private async transition<T>(work: () => Promise<T>): Promise<T> {
    if (this.writes.getStore() !== undefined) return work();
    const metrics: TransitionWrites['metrics'] = [];
    const committed = await this.database.transaction(() => {
      const writes: TransitionWrites = {
        stages: new Map(),
        deployments: new Map(),
        events: [],
        audits: [],
        metrics,
      };
      return this.writes.run(writes, async () => {
        const result = await work();
        // Independent rows of different tables: one statement for all of them.
        await this.database.together(() =>
          Promise.all([
            this.repository.updateStages(writes.stages),
            ...[...writes.deployments].map(([id, changes]) => this.repository.updateDeployment(id, changes)),
            this.events.appendMany(writes.events),
            this.audit.recordMany(writes.audits),
          ]),
        );
        if (writes.slot !== undefined) {
          const { environment, limit, deploymentId } = writes.slot;
          await this.repository.lockEnvironmentSlots(environment);
          const running = await this.repository.runningIn(
            environment,
            [DeploymentStatus.Running],
            deploymentId,
          );
          if (running >= limit) throw new SlotTaken(environment);
        }
        return result;
      });
    });
    for (const record of metrics) record(this.metrics);
    return committed;
  }

  /** Records metrics when the current transition commits (at once outside a transition). */
  private count(record: (metrics: DeploymentMetrics) => void): void {
    const writes = this.writes.getStore();
    if (writes !== undefined) writes.metrics.push(record);
    else record(this.metrics);
  }

  /**
   * Writes a stage row (at the end of the transition) and applies the same change to the stage object
   * at once, so the rest of the `advance()` call sees what was written without reading it back (the
   * JSON values are copied, as a read would).
   */
  private async updateStage(stage: DeploymentStageEntity, changes: StageChanges): Promise<void> {
    const writes = this.writes.getStore();
    if (writes === undefined) await this.repository.updateStage(stage.id, changes);
    else writes.stages.set(stage.id, { ...writes.stages.get(stage.id), ...changes });
    Object.assign(stage, structuredClone(changes));
  }

  /** {@link updateStage} for the deployment row (operators' requests arrive there: it is read per step). */
  private async writeDeployment(
    deployment: DeploymentEntity,
    changes: Partial<Omit<DeploymentEntity, 'id'>>,
  ): Promise<void> {
    const writes = this.writes.getStore();
    if (writes === undefined) await this.repository.updateDeployment(deployment.id, changes);
    else writes.deployments.set(deployment.id, { ...writes.deployments.get(deployment.id), ...changes });
    Object.assign(deployment, structuredClone(changes));
  }

  private async startStage(deployment: DeploymentEntity, stage: DeploymentStageEntity): Promise<void> {
    if (stage.status === StageStatus.Running) return;
    await this.transition(async () => {
      await this.updateStage(stage, {
        status: StageStatus.Running,
        startedAt: this.clock.now(),
      });
      await this.emitForStage(deployment, stage, 'deployment.stage_changed', {
        stage: stage.name,
        environment: stage.environment,
        status: StageStatus.Running,
        message: null,
      });
      if (deployment.status === DeploymentStatus.Queued) {
        await this.setStatus(deployment, DeploymentStatus.Running, 'Started', {
          startedAt: this.clock.now(),
        });
      }
    });
  }

  private async completeStage(
    deployment: DeploymentEntity,
    stage: DeploymentStageEntity,
    status: StageStatus,
    message: string,
  ): Promise<void> {
    this.progressSentAt.delete(stage.id);
    await this.transition(async () => {
      await this.updateStage(stage, {
        status,
        message,
        phase: 'done',
        finishedAt: this.clock.now(),
        waitUntil: null,
      });
      await this.emitForStage(deployment, stage, 'deployment.stage_changed', {
        stage: stage.name,
        environment: stage.environment,
        status,
        message,
      });
      if (stage.kind !== 'environment')
        await this.writeDeployment(deployment, { currentStage: deployment.currentStage + 1 });
    });
  }

  private async failStage(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    message: string,
    status: Status,
    rolledBack = false,
    /** Writes of the same step that belong before the failure, in its transaction (the stage's start). */
    before?: () => Promise<void>,
    /** Nodes the failure left changed (their undo failed): listed and flagged for reconciliation. */
    unrestored: readonly string[] = [],
  ): Promise<RunOutcome> {
    // The stage's outcome and the deployment's end are one transition: one transaction.
    const end = await this.transition(async () => {
      if (before !== undefined) await before();
      await this.flagUnrestored(deployment, stage, unrestored);
      return this.failStageWrites(
        deployment,
        stages,
        stage,
        unrestored.length === 0 ? message : `${message}${unrestoredNote(stage, unrestored)}`,
        status,
        rolledBack,
      );
    });
    return this.finished(deployment, end.status, end.reason);
  }

  /**
   * Records the nodes a failed stage could not put back (deployments spec §2: "listed and flagged for
   * reconciliation"): on the stage, and on the nodes' module (its `lastError`), in the transition.
   */
  private async flagUnrestored(
    deployment: DeploymentEntity,
    stage: DeploymentStageEntity,
    unrestored: readonly string[],
  ): Promise<void> {
    if (unrestored.length === 0) return;
    const ids = [...new Set(unrestored)];
    await this.updateStage(stage, { unrestoredNodeIds: ids });
    await this.fleet.flagUnrestored?.(
      ids,
      deployment.moduleName,
      `Not restored by deployment ${deployment.id} (${deployment.kind} of ${deployment.version} in ${stage.environment ?? ''}): needs reconciliation — roll back or deploy again`,
    );
  }

  /** {@link failStage}'s writes, inside the caller's transition; returns the deployment's end. */
  private async failStageWrites(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    stage: DeploymentStageEntity,
    message: string,
    status: Status,
    rolledBack = false,
  ): Promise<{ status: Status; reason: string }> {
    const stageStatus = rolledBack
      ? StageStatus.RolledBack
      : status === DeploymentStatus.Cancelled
        ? StageStatus.Cancelled
        : StageStatus.Failed;
    this.progressSentAt.delete(stage.id);
    await this.updateStage(stage, {
      status: stageStatus,
      message,
      phase: 'done',
      finishedAt: this.clock.now(),
      waitUntil: null,
    });
    await this.emitForStage(deployment, stage, 'deployment.stage_changed', {
      stage: stage.name,
      environment: stage.environment,
      status: stageStatus,
      message,
    });
    const reason = `${stage.name}: ${message}`;
    await this.finishWrites(deployment, stages, status, reason);
    return { status, reason };
  }

  private async finish(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    status: Status,
    reason: string,
  ): Promise<RunOutcome> {
    await this.transition(() => this.finishWrites(deployment, stages, status, reason));
    return this.finished(deployment, status, reason);
  }

  private finished(deployment: DeploymentEntity, status: Status, reason: string): RunOutcome {
    this.logger.log({ msg: 'deployment finished', deploymentId: deployment.id, status, reason });
    return { kind: 'stop' };
  }

  /** The deployment's end, inside the caller's transaction: later stages, row, event and audit. */
  private async finishWrites(
    deployment: DeploymentEntity,
    stages: DeploymentStageEntity[],
    status: Status,
    reason: string,
  ): Promise<void> {
    const now = this.clock.now();
    for (const later of stages.filter(
      (s) => s.position > deployment.currentStage && s.status === StageStatus.Pending,
    )) {
      await this.updateStage(later, {
        status: StageStatus.Cancelled,
        message: 'Not started: an earlier stage did not succeed',
        phase: 'done',
      });
    }
    await this.setStatus(deployment, status, reason, {
      finishedAt: now,
      pauseRequested: false,
      promoteRequested: false,
    });
    await this.emit(deployment, 'deployment.completed', {
      status,
      durationMs: now.getTime() - (deployment.startedAt ?? deployment.createdAt).getTime(),
      rolledBack: status === DeploymentStatus.RolledBack || status === DeploymentStatus.Cancelled,
    });
    // Labelled with the strategy of the target environment's stage (the environment label is the
    // target too), wherever the deployment stopped: a deployment is counted under the same labels
    // whatever its outcome, so outcomes compare per target and strategy.
    const target = stages.find(
      (s) => s.kind === 'environment' && s.environment === deployment.targetEnvironment,
    );
    const strategy = target?.strategy ?? NO_STRATEGY;
    const started = deployment.startedAt ?? deployment.createdAt;
    this.count((m) => m.finished(deployment.targetEnvironment, strategy, status, started, now));
  }

  /**
   * A status transition: row, event and (with the event) audit record. `also`: other columns of the
   * deployment row this transaction changes, written by the same UPDATE (and written even when the
   * status does not change, which writes no event).
   */
  private async setStatus(
    deployment: DeploymentEntity,
    to: Status,
    reason: string,
    also: DeploymentChanges = {},
  ): Promise<void> {
    const from = deployment.status;
    if (from === to) {
      if (Object.keys(also).length > 0) await this.writeDeployment(deployment, also);
      return;
    }
    await this.writeDeployment(deployment, { ...also, status: to, statusReason: reason });
    await this.emit(deployment, 'deployment.status_changed', { from, to, reason });
    deployment.status = to;
  }

  /**
   * Writes an event of the deployment and its audit record, in the same transition (deployments spec
   * §8: everything a deployment does is an event and an audit record; both are inserted at the end of
   * the transition, one statement each). Deployment-level events (status changes, the outcome) are
   * filed under the target environment; see {@link emitForStage} for the others.
   */
  private async emit<T extends RunnerEventType>(
    deployment: DeploymentEntity,
    type: T,
    payload: EventPayloads[T],
    environment: string = deployment.targetEnvironment,
  ): Promise<void> {
    const writes = this.writes.getStore();
    if (writes === undefined) return this.transition(() => this.emit(deployment, type, payload, environment));
    const subject = { deploymentId: deployment.id, moduleName: deployment.moduleName, environment };
    // (TypeScript cannot relate the generic `type` to its payload in the union; they come in together.)
    writes.events.push({ type, subject, payload } as EventEntry);
    const audited: RunnerEventAudit<T> = RUNNER_EVENT_AUDITS[type];
    writes.audits.push({
      category: 'deployments',
      action: audited.action,
      result: audited.failed(payload) ? 'failure' : 'success',
      actor: SYSTEM_ACTOR,
      resource: { type: 'deployment', id: deployment.id },
      details: { ...payload },
    });
  }

  /**
   * {@link emit} for an event about one stage (its changes, progress and canary analyses): filed under
   * the stage's environment, so a stream filtered on that environment receives it; the Validate,
   * Verify and Complete stages belong to no environment and are filed under the target.
   */
  private emitForStage<T extends RunnerEventType>(
    deployment: DeploymentEntity,
    stage: DeploymentStageEntity,
    type: T,
    payload: EventPayloads[T],
  ): Promise<void> {
    return this.emit(deployment, type, payload, stage.environment ?? deployment.targetEnvironment);
  }
}

/** The events the runner writes (`deployment.created` is written by the service that accepts it). */
type RunnerEventType = Exclude<Extract<EventType, `deployment.${string}`>, 'deployment.created'>;

interface RunnerEventAudit<T extends RunnerEventType> {
  /** The audit action: the event type less a `_changed` suffix. */
  readonly action: string;
  /** Whether the record's result is `failure`. */
  readonly failed: (payload: EventPayloads[T]) => boolean;
}

/**
 * How each event of the runner is audited: category `deployments`, the system as the actor, the
 * deployment as the resource, the event's payload as the details. Status changes keep the record they
 * always had (`deployment.status`, failure only for `Failed`); the other outcomes follow the same rule.
 */
const RUNNER_EVENT_AUDITS: { readonly [T in RunnerEventType]: RunnerEventAudit<T> } = {
  'deployment.status_changed': {
    action: 'deployment.status',
    failed: (p) => p.to === DeploymentStatus.Failed,
  },
  'deployment.stage_changed': {
    action: 'deployment.stage',
    failed: (p) => p.status === StageStatus.Failed,
  },
  'deployment.progress': { action: 'deployment.progress', failed: (p) => p.nodesFailed > 0 },
  'deployment.analysis': { action: 'deployment.analysis', failed: (p) => p.verdict === 'fail' },
  'deployment.completed': {
    action: 'deployment.completed',
    failed: (p) => p.status === DeploymentStatus.Failed,
  },
};

/** A planned node the fleet no longer lists: unreachable, so any operation on it fails. */
function departedNode(id: string, name: string): TargetNode {
  return {
    id,
    name,
    reachable: false,
    healthy: false,
    activeVersion: null,
    standbyVersion: null,
    previousVersion: null,
  };
}
