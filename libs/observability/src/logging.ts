import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '@hotswap/config';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { routeTemplate } from './http-metrics';
import { requestContextOf } from './request-context';

/** Paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.credential',
  '*.secret',
  '*.signature',
  '*.privateKey',
];

const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** nestjs-pino settings: one JSON line per request with ids, route template, status and duration. */
export function loggerParams(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    genReqId: (req: IncomingMessage) => requestContextOf(req)?.requestId ?? 'unknown',
    customProps: (req: IncomingMessage) => {
      const context = requestContextOf(req);
      return { traceId: context?.traceId, spanId: context?.spanId, route: routeTemplate(req) };
    },
    autoLogging: {
      ignore: (req: IncomingMessage) =>
        QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') && req.method === 'GET',
    },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) => {
      if (error !== undefined || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    serializers: {
      req: (req: {
        id: unknown;
        method: unknown;
        url: unknown;
        headers: unknown;
        remoteAddress: unknown;
      }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        headers: req.headers,
        remoteAddress: req.remoteAddress,
      }),
    },
    quietReqLogger: true,
  };
  return {
    pinoHttp: destination === undefined ? options : [options, destination],
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  };
}
