export {
  ALL_ERROR_CODES,
  ApprovalErrorCode,
  AuthErrorCode,
  DeploymentErrorCode,
  CoordinationErrorCode,
  ClusterErrorCode,
  ModuleErrorCode,
  PROBLEM_CONTENT_TYPE,
  PlatformErrorCode,
  problemType,
  type ErrorCode,
  type FieldError,
  type ProblemDetails,
} from './errors';
export { EVENT_TYPES, isEventType, type EventPayloads, type EventSubject, type EventType } from './events';
export { SYSTEM_PRINCIPAL, type Principal, type UserPrincipal } from './principal';
export {
  effectiveRoles,
  PUBLIC_ROUTE,
  RATE_LIMIT_CLASS,
  REQUIRED_ROLES,
  Role,
  ROLES,
  satisfiesRoles,
  type RateLimitClass,
} from './roles';
export { Clock, ManualClock, SystemClock } from './clock';
export {
  NODE_CREDENTIAL_AUTHENTICATOR,
  NODE_CREDENTIAL_ROUTE,
  type AuthenticatedNode,
  type NodeCredentialAuthenticator,
} from './node-credential';
export { CORS_EXPOSED_HEADERS, corsPolicy, isCorsOrigin, splitCorsOrigins, type CorsPolicy } from './cors';
export { CANARY_THRESHOLD_LIMITS, type CanaryThresholds } from './canary-thresholds';
