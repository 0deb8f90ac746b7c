import type { Role } from './roles';

/** Who is calling: set on the request by authentication (`req.user`). */
export interface Principal {
  readonly id: string;
  readonly kind: 'user' | 'apiToken' | 'node' | 'system';
  /** The user name (for API tokens, the owner's). */
  readonly username?: string;
  readonly roles: readonly Role[];
}

/** The principal of work HotSwap does on its own (bootstrap, demo content, scheduled jobs). */
export const SYSTEM_PRINCIPAL: Principal = { id: 'system', kind: 'system', username: 'system', roles: [] };
