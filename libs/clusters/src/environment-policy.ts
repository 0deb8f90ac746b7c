import type { CanaryThresholds } from '@hotswap/contracts';

/** Deployment strategies, by the API's names. */
export const STRATEGY_NAMES = ['Direct', 'Rolling', 'BlueGreen', 'Canary'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Per-strategy parameters an environment applies unless a deployment overrides them. */
export interface StrategyDefaults {
  Direct?: { parallelism?: number; retainPreviousSeconds?: number };
  Rolling?: { batchSize?: number; healthCheckDelaySeconds?: number; retainPreviousSeconds?: number };
  BlueGreen?: { smokeTestTimeoutSeconds?: number; scaleDownDelaySeconds?: number };
  Canary?: {
    steps?: number[];
    stepWaitSeconds?: number;
    retainPreviousSeconds?: number;
    /** Default analysis thresholds of the environment's canaries (percent increase per metric). */
    thresholds?: Partial<CanaryThresholds>;
    /** How far a deployment's own thresholds may go (at most CANARY_THRESHOLD_LIMITS). */
    thresholdBounds?: Partial<CanaryThresholds>;
  };
}

export interface ApprovalPolicy {
  required: boolean;
  quorum: number;
  timeoutSeconds: number;
  approverRoles: string[];
  requesterMayApprove: boolean;
  /**
   * Whether a manual rollback into the environment waits for the same approval (deployments spec §6:
   * rollbacks skip the gate "unless the environment policy says otherwise"). Off by default.
   */
  appliesToRollbacks: boolean;
}

export interface EnvironmentPolicy {
  readonly defaultStrategy: StrategyName;
  readonly strategyDefaults: StrategyDefaults;
  readonly approvalPolicy: ApprovalPolicy;
  readonly requireSignedModules: boolean;
  readonly maxConcurrentDeployments: number;
}

export interface SeededEnvironment extends EnvironmentPolicy {
  readonly name: string;
  readonly rank: number;
}

export const DEFAULT_MAX_CONCURRENT_DEPLOYMENTS = 5;
const DAY_SECONDS = 86_400;

const noApproval = (): ApprovalPolicy => ({
  required: false,
  quorum: 1,
  timeoutSeconds: DAY_SECONDS,
  approverRoles: ['Admin'],
  requesterMayApprove: true,
  appliesToRollbacks: false,
});

/** The four environments every installation starts with, and their policies (product spec §3). */
export const SEEDED_ENVIRONMENTS: readonly SeededEnvironment[] = [
  {
    name: 'Development',
    rank: 10,
    defaultStrategy: 'Direct',
    strategyDefaults: { Direct: { parallelism: 100 } },
    approvalPolicy: noApproval(),
    requireSignedModules: false,
    maxConcurrentDeployments: DEFAULT_MAX_CONCURRENT_DEPLOYMENTS,
  },
  {
    name: 'QA',
    rank: 20,
    defaultStrategy: 'Rolling',
    strategyDefaults: { Rolling: { batchSize: 2, healthCheckDelaySeconds: 30 } },
    approvalPolicy: noApproval(),
    requireSignedModules: false,
    maxConcurrentDeployments: DEFAULT_MAX_CONCURRENT_DEPLOYMENTS,
  },
  {
    name: 'Staging',
    rank: 30,
    defaultStrategy: 'BlueGreen',
    strategyDefaults: { BlueGreen: { smokeTestTimeoutSeconds: 300, scaleDownDelaySeconds: 30 } },
    approvalPolicy: { ...noApproval(), required: true },
    requireSignedModules: true,
    maxConcurrentDeployments: DEFAULT_MAX_CONCURRENT_DEPLOYMENTS,
  },
  {
    name: 'Production',
    rank: 40,
    defaultStrategy: 'Canary',
    strategyDefaults: { Canary: { steps: [10, 30, 50, 100], stepWaitSeconds: 900 } },
    approvalPolicy: {
      required: true,
      quorum: 1,
      timeoutSeconds: DAY_SECONDS,
      approverRoles: ['Admin'],
      requesterMayApprove: false,
      appliesToRollbacks: false,
    },
    requireSignedModules: true,
    maxConcurrentDeployments: DEFAULT_MAX_CONCURRENT_DEPLOYMENTS,
  },
];

/** Environment names: a letter first, so a number is never taken for a name (the original's defect). */
export const ENVIRONMENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const ENVIRONMENT_NAME_MESSAGE =
  'must start with a letter and contain only letters, digits, - and _ (at most 64 characters)';

export function environmentKey(name: string): string {
  return name.toLowerCase();
}
