export {
  API_PREFIX,
  applyRouting,
  configureHttp,
  DOCS_PATH,
  installFallbackHandlers,
  JSON_BODY_LIMIT,
} from './configure-http';
export { AcceptsContent, ContentTypeInterceptor, JSON_MEDIA_TYPES } from './content-type';
export { exceedsDepth, JSON_MAX_DEPTH } from './json-depth';
export { PresentOrAbsent } from './present-or-absent';
export { DomainError, NotFoundError, RateLimitedError, RequestValidationError } from './domain-error';
export { ERROR_STATUS } from './error-status';
export { buildProblem, sendProblem, type ProblemInput } from './problem';
export { ProblemFilter } from './problem.filter';
export { createValidationPipe, flattenValidationErrors } from './validation';
export {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
  PageMetaDto,
  PageQueryDto,
  type Page,
} from './pagination';
export { CurrentPrincipal } from './principal.decorator';
export { ApiProblems } from './api-problems';
export {
  AcceptsNodeCredential,
  ApiProblemResponse,
  ApiRateLimitedResponse,
  Public,
  RateLimit,
  Roles,
} from './access';
