export {
  ALL_ERROR_CODES,
  PROBLEM_CONTENT_TYPE,
  ClusterErrorCode,
  ModuleErrorCode,
  PlatformErrorCode,
  problemType,
  type ErrorCode,
  type FieldError,
  type ProblemDetails,
} from './errors';
export { effectiveRoles, PUBLIC_ROUTE, REQUIRED_ROLES, Role, ROLES, satisfiesRoles } from './roles';
export { type EventPayloads, type EventSubject, type EventType } from './events';
export { SYSTEM_PRINCIPAL, type Principal } from './principal';
export { Clock, ManualClock, SystemClock } from './clock';
