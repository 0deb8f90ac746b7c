/** Deployment and stage states, and which operator actions each state allows (deployments spec §2). */

export const DeploymentStatus = {
  Queued: 'Queued',
  PendingApproval: 'PendingApproval',
  Running: 'Running',
  Paused: 'Paused',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  RolledBack: 'RolledBack',
  Cancelled: 'Cancelled',
} as const;
export type DeploymentStatus = (typeof DeploymentStatus)[keyof typeof DeploymentStatus];
export const DEPLOYMENT_STATUSES = Object.values(DeploymentStatus);

export const TERMINAL_STATUSES: ReadonlySet<DeploymentStatus> = new Set([
  DeploymentStatus.Succeeded,
  DeploymentStatus.Failed,
  DeploymentStatus.RolledBack,
  DeploymentStatus.Cancelled,
]);

export const StageStatus = {
  Pending: 'Pending',
  Running: 'Running',
  WaitingForApproval: 'WaitingForApproval',
  Succeeded: 'Succeeded',
  Skipped: 'Skipped',
  Failed: 'Failed',
  RolledBack: 'RolledBack',
  Cancelled: 'Cancelled',
} as const;
export type StageStatus = (typeof StageStatus)[keyof typeof StageStatus];

export const DeploymentAction = {
  Pause: 'pause',
  Resume: 'resume',
  Promote: 'promote',
  Abort: 'abort',
  Retry: 'retry',
  Rollback: 'rollback',
} as const;
export type DeploymentAction = (typeof DeploymentAction)[keyof typeof DeploymentAction];

const ALLOWED: Readonly<Record<DeploymentAction, ReadonlySet<DeploymentStatus>>> = {
  // Pausing holds the rollout at its next step boundary; a paused deployment resumes where it stopped.
  pause: new Set([DeploymentStatus.Running, DeploymentStatus.Queued]),
  resume: new Set([DeploymentStatus.Paused]),
  // Promote skips the remaining canary waits (and releases a paused canary).
  promote: new Set([DeploymentStatus.Running, DeploymentStatus.Paused]),
  // Abort stops and rolls back whatever the current environment has changed.
  abort: new Set([
    DeploymentStatus.Queued,
    DeploymentStatus.PendingApproval,
    DeploymentStatus.Running,
    DeploymentStatus.Paused,
  ]),
  // Retry starts a failed deployment again as a new run.
  retry: new Set([DeploymentStatus.Failed, DeploymentStatus.RolledBack, DeploymentStatus.Cancelled]),
  // Rollback restores what a finished deployment changed.
  rollback: new Set([DeploymentStatus.Succeeded, DeploymentStatus.Failed, DeploymentStatus.RolledBack]),
};

export function actionAllowed(action: DeploymentAction, status: DeploymentStatus): boolean {
  return ALLOWED[action].has(status);
}

export function allowedActions(status: DeploymentStatus): DeploymentAction[] {
  return (Object.keys(ALLOWED) as DeploymentAction[]).filter((a) => ALLOWED[a].has(status));
}

export function isTerminal(status: DeploymentStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}
