/** Time as the engine sees it; tests drive it by hand. */
export interface DeploymentClock {
  now(): Date;
}
export const DEPLOYMENT_CLOCK = Symbol('DeploymentClock');
export const SYSTEM_DEPLOYMENT_CLOCK: DeploymentClock = { now: () => new Date() };
