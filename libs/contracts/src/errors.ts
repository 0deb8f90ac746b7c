/**
 * Every error code a HotSwap API can answer with. Feature areas add their codes here so that the
 * HTTP layer's status table stays exhaustive (a missing entry is a compile error).
 */
export const PlatformErrorCode = {
  ValidationFailed: 'validation_failed',
  MalformedBody: 'malformed_body',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  RouteNotFound: 'route_not_found',
  MethodNotAllowed: 'method_not_allowed',
  NotFound: 'not_found',
  Conflict: 'conflict',
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  RateLimited: 'rate_limited',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const;
export type PlatformErrorCode = (typeof PlatformErrorCode)[keyof typeof PlatformErrorCode];

export const ModuleErrorCode = {
  ModuleNotFound: 'module_not_found',
  VersionNotFound: 'module_version_not_found',
  VersionExists: 'module_version_exists',
  SignatureInvalid: 'signature_invalid',
  SigningKeyNotFound: 'signing_key_not_found',
  SigningKeyRejected: 'signing_key_rejected',
  SigningKeyExists: 'signing_key_exists',
  SigningKeyRevoked: 'signing_key_revoked',
  YankStateConflict: 'yank_state_conflict',
} as const;
export type ModuleErrorCode = (typeof ModuleErrorCode)[keyof typeof ModuleErrorCode];

export const DeploymentErrorCode = {
  DeploymentNotFound: 'deployment_not_found',
  /** The module version does not exist, is yanked, or its dependencies are not satisfied. */
  NotDeployable: 'not_deployable',
  /** Another deployment of the module is active in an environment of the path. */
  ActiveDeploymentExists: 'active_deployment_exists',
  EnvironmentFrozen: 'environment_frozen',
  ActionNotAllowed: 'action_not_allowed',
} as const;
export type DeploymentErrorCode = (typeof DeploymentErrorCode)[keyof typeof DeploymentErrorCode];

/** Identity and access (libs/auth). */
export const AuthErrorCode = {
  /** Login refused; the same answer for an unknown user, a wrong password, a locked or disabled account. */
  InvalidCredentials: 'invalid_credentials',
  /** A refresh token that is unknown, expired, revoked or already used. */
  InvalidRefreshToken: 'invalid_refresh_token',
  UsernameTaken: 'username_taken',
  /** The change would leave no enabled Admin. */
  LastAdmin: 'last_admin',
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

/** Errors of the coordination primitives (idempotency keys, job queue) that reach HTTP callers. */
export const CoordinationErrorCode = {
  /** The Idempotency-Key was used before with a different request. */
  IdempotencyKeyReused: 'idempotency_key_reused',
  /** A request with the same Idempotency-Key is still being processed. */
  IdempotencyRequestInFlight: 'idempotency_request_in_flight',
} as const;
export type CoordinationErrorCode = (typeof CoordinationErrorCode)[keyof typeof CoordinationErrorCode];

export type ErrorCode =
  | PlatformErrorCode
  | ModuleErrorCode
  | AuthErrorCode
  | CoordinationErrorCode
  | ClusterErrorCode
  | DeploymentErrorCode
  | ApprovalErrorCode;

/** Environments, nodes, enrollment and the simulated fleet (libs/clusters). */
export const ClusterErrorCode = {
  EnvironmentNotFound: 'environment_not_found',
  EnvironmentExists: 'environment_exists',
  EnvironmentRankTaken: 'environment_rank_taken',
  FreezeStateConflict: 'freeze_state_conflict',
  NodeNotFound: 'node_not_found',
  NodeNameTaken: 'node_name_taken',
  NodeStateConflict: 'node_state_conflict',
  /** An enrollment token that is unknown, expired or used up (the same answer for each). */
  EnrollmentTokenInvalid: 'enrollment_token_invalid',
  SimulationDisabled: 'simulation_disabled',
} as const;
export type ClusterErrorCode = (typeof ClusterErrorCode)[keyof typeof ClusterErrorCode];

/** Approval gates and their webhooks (libs/approvals). */
export const ApprovalErrorCode = {
  /** The deployment has no open gate, or the gate was already approved, rejected or cancelled. */
  ApprovalNotPending: 'approval_not_pending',
  /** The gate's timeout passed before it was decided. */
  ApprovalExpired: 'approval_expired',
  /** The caller already approved or rejected this gate. */
  ApprovalAlreadyDecided: 'approval_already_decided',
  /** The caller's role is not an approver role, or the caller requested the deployment. */
  ApproverNotAllowed: 'approver_not_allowed',
} as const;
export type ApprovalErrorCode = (typeof ApprovalErrorCode)[keyof typeof ApprovalErrorCode];

/** Every error code, for exhaustiveness checks. */
export const ALL_ERROR_CODES: readonly ErrorCode[] = [
  ...Object.values(PlatformErrorCode),
  ...Object.values(ModuleErrorCode),
  ...Object.values(DeploymentErrorCode),
  ...Object.values(AuthErrorCode),
  ...Object.values(CoordinationErrorCode),
  ...Object.values(ClusterErrorCode),
  ...Object.values(ApprovalErrorCode),
];

/** One field-level problem of a request. `field` is a dotted path (`metadata.owner`, `steps.2`). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** RFC 9457 problem details, as every HotSwap error response renders them. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: ErrorCode;
  readonly traceId: string;
  readonly errors?: readonly FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem `type` URI for a code: a URN, so that it never points at a host. */
export function problemType(code: ErrorCode): string {
  return `urn:hotswap:problem:${code.replace(/_/g, '-')}`;
}
