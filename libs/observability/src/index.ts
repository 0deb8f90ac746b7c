export { HealthController } from './health.controller';
export {
  HTTP_DURATION_METRIC,
  HttpMetricsMiddleware,
  isRouted,
  routeTemplate,
  UNMATCHED_ROUTE,
} from './http-metrics';
export { ProcessLifecycle } from './lifecycle';
export { loggerParams, REDACTED_PATHS } from './logging';
export { ObservabilityModule, type ObservabilityOptions } from './observability.module';
export {
  contextFromRequest,
  currentRequestContext,
  currentTraceId,
  formatTraceparent,
  newTraceId,
  parseTraceparent,
  requestContextMiddleware,
  requestContextOf,
  runWithContext,
  type ParsedTraceparent,
  type RequestContext,
} from './request-context';
