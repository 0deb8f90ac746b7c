/**
 * Node credentials (`hsnc_…`, issued at enrollment by the fleet) authenticate agents. Besides the
 * agent socket they are accepted only on routes marked with this metadata (`@AcceptsNodeCredential()`,
 * e.g. the artifact download); anywhere else a node credential authenticates nothing.
 */
export const NODE_CREDENTIAL_ROUTE = Symbol.for('hotswap.access.nodeCredential');

/** The node a valid credential belongs to. */
export interface AuthenticatedNode {
  readonly id: string;
  readonly name: string;
}

/** Port: checks a node credential (implemented by the fleet, used by the HTTP authentication guard). */
export interface NodeCredentialAuthenticator {
  /** The node of a valid credential; null for an unknown, revoked or malformed one. */
  authenticate(credential: string): Promise<AuthenticatedNode | null>;
}

/** Injection token of the {@link NodeCredentialAuthenticator}. */
export const NODE_CREDENTIAL_AUTHENTICATOR = Symbol.for('hotswap.nodeCredentialAuthenticator');
