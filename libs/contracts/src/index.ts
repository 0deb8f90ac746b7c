export {
  AuthErrorCode,
  PROBLEM_CONTENT_TYPE,
  PlatformErrorCode,
  problemType,
  type ErrorCode,
  type FieldError,
  type ProblemDetails,
} from './errors';
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
