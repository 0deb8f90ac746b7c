import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { getToken, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';

export const HTTP_DURATION_METRIC = 'http_request_duration_seconds';

/** Label used for requests that matched no route, so unknown paths never create new series. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The wildcard under which Nest mounts its not-found handler inside the global prefix. */
const NEST_NOT_FOUND_ROUTE = '*path';

type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

/** Whether a request reached one of the application's routes (not a not-found handler). */
export function isRouted(req: IncomingMessage): boolean {
  return routeTemplate(req) !== UNMATCHED_ROUTE;
}

/** The route template of a handled request (`/api/v1/deployments/:id`), never the raw path. */
export function routeTemplate(req: IncomingMessage): string {
  const routed = req as RoutedRequest;
  const path = routed.route?.path;
  if (typeof path !== 'string' || path === NEST_NOT_FOUND_ROUTE) return UNMATCHED_ROUTE;
  return `${routed.baseUrl ?? ''}${path}`;
}

export const httpDurationHistogramProvider = makeHistogramProvider({
  name: HTTP_DURATION_METRIC,
  help: 'HTTP request duration by method, route template and status code.',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** Times every request into the histogram when its response finishes. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@Inject(getToken(HTTP_DURATION_METRIC)) private readonly histogram: Histogram) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.histogram.observe(
        { method: req.method ?? 'UNKNOWN', route: routeTemplate(req), status_code: String(res.statusCode) },
        seconds,
      );
    });
    next();
  }
}
