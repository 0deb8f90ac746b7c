export {
  CoordinationErrorCode,
  PROBLEM_CONTENT_TYPE,
  PlatformErrorCode,
  problemType,
  type ErrorCode,
  type FieldError,
  type ProblemDetails,
} from './errors';
export { effectiveRoles, PUBLIC_ROUTE, REQUIRED_ROLES, Role, ROLES, satisfiesRoles } from './roles';
