import type { Role } from './roles';

/** Who is calling: set on the request by authentication (`req.user`). */
export interface Principal {
  readonly id: string;
  readonly kind: 'user' | 'apiToken' | 'node' | 'system';
  /** The user name (for API tokens, the owner's). */
  readonly username?: string;
  readonly roles: readonly Role[];
}

/** A user, or an API token acting for its owner: the principals that act for a person. */
export interface UserPrincipal extends Principal {
  readonly kind: 'user' | 'apiToken';
  /** The user behind the request (the owner, for an API token). */
  readonly userId: string;
  /** The login session (`sid` claim) for `user` principals. */
  readonly sessionId?: string;
}

/** The principal of work HotSwap does on its own (bootstrap, demo content, scheduled jobs). */
export const SYSTEM_PRINCIPAL: Principal = { id: 'system', kind: 'system', username: 'system', roles: [] };
