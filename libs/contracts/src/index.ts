export {
  PROBLEM_CONTENT_TYPE,
  PlatformErrorCode,
  problemType,
  type ErrorCode,
  type FieldError,
  type ProblemDetails,
} from './errors';
