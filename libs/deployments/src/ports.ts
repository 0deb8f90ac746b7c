import type { MetricSample } from './analysis/canary-analysis';

/**
 * What the deployment engine needs from the rest of HotSwap, as narrow ports. Strategies reach nodes
 * only through {@link NodeOperations}; the fleet, registry and approvals features implement the rest.
 */

export interface TargetNode {
  readonly id: string;
  readonly name: string;
  /** Heartbeat fresh: an operation can reach it. */
  readonly reachable: boolean;
  /** Health rule of product spec §3 (fresh heartbeat and thresholds). */
  readonly healthy: boolean;
  /** The module's versions on this node. */
  readonly activeVersion: string | null;
  readonly standbyVersion: string | null;
  readonly previousVersion: string | null;
}

export type NodeOperationKind = 'install' | 'stage' | 'activate' | 'unstage' | 'rollback';

export interface NodeOperationRequest {
  readonly node: TargetNode;
  readonly kind: NodeOperationKind;
  readonly moduleName: string;
  /** The version the operation moves the node to (for rollback: the version restored). */
  readonly version: string | null;
  /**
   * install / activate: how long the version leaving `active` stays loaded as `previous` (instant
   * rollback) before the fleet unloads it (deployments spec §3; Blue-Green's `scaleDownDelaySeconds`).
   */
  readonly retainPreviousSeconds?: number;
}

export interface NodeOperationOutcome {
  readonly ok: boolean;
  readonly error?: string;
}

/** The node driver port (deployments spec §3). Operations are idempotent (desired state). */
export interface NodeFleetPort {
  /** The nodes of an environment with their state for one module. */
  nodesOf(environment: string, moduleName: string): Promise<TargetNode[]>;
  execute(request: NodeOperationRequest): Promise<NodeOperationOutcome>;
  /**
   * Optional batch form of {@link execute}: the same operations with the same semantics, outcomes in
   * the order of `requests`; the engine uses it when present (fewer round trips per node).
   */
  executeMany?(requests: readonly NodeOperationRequest[]): Promise<NodeOperationOutcome[]>;
  /** Heartbeat freshness + thresholds + the module's own health probe, per node id. */
  health(
    nodeIds: readonly string[],
    moduleName: string,
  ): Promise<Map<string, { healthy: boolean; reason?: string }>>;
  /** Real measurements over [from, to] for the nodes. */
  metrics(nodeIds: readonly string[], from: Date, to: Date): Promise<MetricSample[]>;
  /**
   * Optional: flags the module on nodes a failed deployment could not restore (deployments spec §2,
   * "flagged for reconciliation"), in the caller's transaction; the note is what an operator sees.
   */
  flagUnrestored?(nodeIds: readonly string[], moduleName: string, note: string): Promise<void>;
}
export const NODE_FLEET = Symbol('NodeFleetPort');

export type StrategyName = 'Direct' | 'Rolling' | 'BlueGreen' | 'Canary';
export const STRATEGY_NAMES: readonly StrategyName[] = ['Direct', 'Rolling', 'BlueGreen', 'Canary'];

export interface ApprovalPolicy {
  readonly required: boolean;
  readonly quorum: number;
  readonly timeoutSeconds: number;
  readonly approverRoles: readonly string[];
  readonly requesterMayApprove: boolean;
  /** A manual rollback into the environment waits for the same approval (default: it skips the gate). */
  readonly appliesToRollbacks: boolean;
}

export interface EnvironmentPolicy {
  readonly name: string;
  readonly rank: number;
  readonly defaultStrategy: StrategyName;
  readonly strategyDefaults: Readonly<Record<string, unknown>>;
  readonly approvalPolicy: ApprovalPolicy;
  readonly requireSignedModules: boolean;
  readonly maxConcurrentDeployments: number;
  readonly frozen: boolean;
  readonly frozenReason?: string | null;
}

export interface EnvironmentsPort {
  /** Every environment by rank (promotion order). */
  list(): Promise<EnvironmentPolicy[]>;
}
export const ENVIRONMENTS = Symbol('EnvironmentsPort');

export interface CatalogVersion {
  readonly moduleName: string;
  readonly version: string;
  readonly yanked: boolean;
  readonly sha256: string;
  readonly signed: boolean;
  readonly dependencies: Readonly<Record<string, string>>;
}

/** Digest and signature re-checked against trusted, non-revoked keys; a reason when invalid. */
export type CatalogVerification = { ok: true; signed: boolean } | { ok: false; reason: string };

/** A version as stored (null when it does not exist) and the verification of its stored bytes. */
export interface CatalogInspection {
  readonly version: CatalogVersion | null;
  readonly verification: CatalogVerification;
}

export interface ModuleCatalogPort {
  find(moduleName: string, version: string): Promise<CatalogVersion | null>;
  /** {@link find} and the verification of the version's bytes, from one read of both. */
  inspect(moduleName: string, version: string): Promise<CatalogInspection>;
}
export const MODULE_CATALOG = Symbol('ModuleCatalogPort');

export type GateDecision =
  | { readonly state: 'approved' }
  | { readonly state: 'pending' }
  | { readonly state: 'rejected'; readonly reason: string };

/** The approval gate (deployments spec §7); the approvals feature implements it. */
export interface ApprovalGatePort {
  evaluate(input: {
    deploymentId: string;
    environment: string;
    policy: ApprovalPolicy;
    requestedBy: string;
  }): Promise<GateDecision>;
}
export const APPROVAL_GATE = Symbol('ApprovalGatePort');

/** Runs `DeploymentRunner.advance(id)` durably (the job queue), now or at a time. */
export interface DeploymentScheduler {
  /** Inside the caller's transaction when there is one, so a rolled-back request leaves no job. */
  schedule(deploymentId: string, at?: Date): Promise<void>;
}
export const DEPLOYMENT_SCHEDULER = Symbol('DeploymentScheduler');

/**
 * Optional: what else a change of the module affects (the knowledge graph's impact analysis). When
 * bound, `POST /deployments/plan` includes it.
 */
export interface DeploymentImpactPort {
  impactOf(moduleName: string, version: string | null): Promise<object>;
}
export const DEPLOYMENT_IMPACT = Symbol('DeploymentImpactPort');

/** One approval gate of a deployment, as `GET /deployments/{id}` shows it (deployments spec §8). */
export interface DeploymentApprovalView {
  readonly environment: string;
  readonly status: string;
  readonly quorum: number;
  /** Distinct users who approved. */
  readonly approvals: number;
  readonly approverRoles: readonly string[];
  readonly requestedAt: Date;
  readonly expiresAt: Date;
  readonly closedAt: Date | null;
  readonly closedBy: string | null;
  readonly closeReason: string | null;
  readonly decisions: readonly {
    readonly by: string;
    readonly decision: string;
    readonly reason: string | null;
    readonly at: Date;
  }[];
}

/** Optional: the approval state of a deployment (the approvals feature binds it). */
export interface DeploymentApprovalsPort {
  approvalsOf(deploymentId: string): Promise<readonly DeploymentApprovalView[]>;
}
export const DEPLOYMENT_APPROVALS = Symbol('DeploymentApprovalsPort');
