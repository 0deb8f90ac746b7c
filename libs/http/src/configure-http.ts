import { NotFoundException, RequestMethod, type ArgumentsHost, type INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '@hotswap/config';
import { corsPolicy } from '@hotswap/contracts';
import { HttpMetricsMiddleware, requestContextMiddleware } from '@hotswap/observability';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { ContentTypeInterceptor, JSON_MEDIA_TYPES } from './content-type';
import { jsonDepthLimit } from './json-depth';
import { NulCharacterPipe } from './nul-character.pipe';
import { ProblemFilter } from './problem.filter';
import { createValidationPipe } from './validation';

export const API_PREFIX = 'api/v1';
export const JSON_BODY_LIMIT = '1mb';
export const DOCS_PATH = 'docs';

/** Routes served outside `/api/v1`: probes and metrics keep the paths their tools expect. */
const UNPREFIXED_ROUTES = [
  { path: 'health/live', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
  { path: '.well-known/jwks.json', method: RequestMethod.GET },
];

const API_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
};

// Swagger UI loads its own script and styles from this origin; nothing from elsewhere.
const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    objectSrc: ["'none'"],
  },
};

function securityHeaders() {
  const common = {
    frameguard: { action: 'deny' as const },
    referrerPolicy: { policy: 'no-referrer' as const },
    // Only meaningful over TLS; set below when the request arrived over HTTPS.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  };
  const api = helmet({ ...common, contentSecurityPolicy: API_CSP });
  const docs = helmet({ ...common, contentSecurityPolicy: DOCS_CSP });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    const isDocs = req.path === `/${DOCS_PATH}` || req.path.startsWith(`/${DOCS_PATH}/`);
    (isDocs ? docs : api)(req, res, next);
  };
}

/**
 * Last in the Express chain, after Nest registered its routes: Nest's own not-found and error layers
 * only cover the `/api/v1` prefix and the excluded routes, so anything else ends here as problem+json.
 */
export function installFallbackHandlers(app: NestExpressApplication, exposeInternals: boolean): void {
  const filter = new ProblemFilter(exposeInternals);
  const asHost = (req: Request, res: Response) =>
    ({ switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) }) as unknown as ArgumentsHost;
  app.use((req: Request, res: Response) => {
    filter.catch(new NotFoundException(`Cannot ${req.method} ${req.path}`), asHost(req, res));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    filter.catch(error, asHost(req, res));
  });
}

/** Routing that must be identical in the server and in the OpenAPI generator. */
export function applyRouting(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
}

/**
 * Everything every HotSwap HTTP server does to a request before and after its handler: request and
 * trace ids, security headers, proxy trust, CORS, a bounded JSON body, validation and problem+json
 * errors. The app and the tests call this same function.
 */
export function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  app.use(requestContextMiddleware);
  const metrics = app.get(HttpMetricsMiddleware);
  app.use((req: Request, res: Response, next: NextFunction) => metrics.use(req, res, next));
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy.length > 0 ? [...config.trustProxy] : false);
  app.use(securityHeaders());
  const cors = corsPolicy(config.corsOrigins);
  if (cors !== undefined) app.enableCors(cors);
  app.use(express.json({ limit: JSON_BODY_LIMIT, type: JSON_MEDIA_TYPES, strict: true }));
  app.use(jsonDepthLimit);
  applyRouting(app);
  app.useGlobalPipes(new NulCharacterPipe(), createValidationPipe());
  app.useGlobalFilters(new ProblemFilter(config.isDevelopment));
  app.useGlobalInterceptors(new ContentTypeInterceptor(app.get(Reflector)));
}
