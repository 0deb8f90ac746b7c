/** The roles of HotSwap users and API tokens. Admin implies Deployer implies Viewer. */
export const Role = {
  Admin: 'Admin',
  Deployer: 'Deployer',
  Viewer: 'Viewer',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ROLES: readonly Role[] = [Role.Admin, Role.Deployer, Role.Viewer];

const IMPLIED: Readonly<Record<Role, readonly Role[]>> = {
  [Role.Admin]: [Role.Admin, Role.Deployer, Role.Viewer],
  [Role.Deployer]: [Role.Deployer, Role.Viewer],
  [Role.Viewer]: [Role.Viewer],
};

/** Every role a holder of `roles` effectively has (the hierarchy applied). */
export function effectiveRoles(roles: Iterable<Role>): Set<Role> {
  const out = new Set<Role>();
  for (const role of roles) for (const implied of IMPLIED[role]) out.add(implied);
  return out;
}

/** Whether a holder of `held` satisfies a route that requires any of `required`. */
export function satisfiesRoles(held: Iterable<Role>, required: readonly Role[]): boolean {
  const effective = effectiveRoles(held);
  return required.some((role) => effective.has(role));
}

/** Route metadata keys of the access rules (set by `@Public()` / `@Roles()`, read by the auth guard). */
export const PUBLIC_ROUTE = Symbol.for('hotswap.access.public');
export const REQUIRED_ROLES = Symbol.for('hotswap.access.roles');

/**
 * The rate-limit budget a route draws from. Without the metadata: `mutating` for POST, PUT, PATCH and
 * DELETE, `reads` otherwise. `exempt` is for probes and metrics, which are never limited.
 */
export type RateLimitClass = 'login' | 'mutating' | 'reads' | 'streams' | 'exempt';
export const RATE_LIMIT_CLASS = Symbol.for('hotswap.access.rateLimitClass');
