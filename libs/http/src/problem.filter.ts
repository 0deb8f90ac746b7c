import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ExceptionFilter,
} from '@nestjs/common';
import { PlatformErrorCode, type ErrorCode, type FieldError } from '@hotswap/contracts';
import { isRouted } from '@hotswap/observability';
import type { Request, Response } from 'express';
import { DomainError, RateLimitedError } from './domain-error';
import { sendProblem, type ProblemInput } from './problem';

/** Errors raised by the body parser carry a `type` such as `entity.parse.failed`. */
interface BodyParserError {
  readonly type: string;
  readonly status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number' &&
    (error as { type: string }).type.startsWith('entity.')
  );
}

function bodyParserProblem(error: BodyParserError): ProblemInput {
  switch (error.type) {
    case 'entity.too.large':
      return {
        code: PlatformErrorCode.PayloadTooLarge,
        detail: 'The request body is larger than the limit of 1 MiB.',
      };
    case 'entity.parse.failed':
      return { code: PlatformErrorCode.MalformedBody, detail: 'The request body is not valid JSON.' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        code: PlatformErrorCode.UnsupportedMediaType,
        detail: 'The request body encoding is not supported.',
      };
    default:
      return { code: PlatformErrorCode.MalformedBody, detail: 'The request body could not be read.' };
  }
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: PlatformErrorCode.ValidationFailed,
  [HttpStatus.UNAUTHORIZED]: PlatformErrorCode.Unauthenticated,
  [HttpStatus.FORBIDDEN]: PlatformErrorCode.Forbidden,
  [HttpStatus.NOT_FOUND]: PlatformErrorCode.NotFound,
  [HttpStatus.METHOD_NOT_ALLOWED]: PlatformErrorCode.MethodNotAllowed,
  [HttpStatus.CONFLICT]: PlatformErrorCode.Conflict,
  [HttpStatus.PAYLOAD_TOO_LARGE]: PlatformErrorCode.PayloadTooLarge,
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: PlatformErrorCode.UnsupportedMediaType,
  [HttpStatus.TOO_MANY_REQUESTS]: PlatformErrorCode.RateLimited,
  [HttpStatus.SERVICE_UNAVAILABLE]: PlatformErrorCode.Unavailable,
};

function httpExceptionProblem(exception: HttpException, req: Request): ProblemInput {
  const status: number = exception.getStatus();
  // Nest answers a request that matched no route with a NotFoundException before any handler ran.
  if (status === 404 && !isRouted(req)) {
    return {
      code: PlatformErrorCode.RouteNotFound,
      detail: `No route matches ${req.method} ${(req.originalUrl || req.url).split('?')[0] ?? '/'}.`,
    };
  }
  const code =
    STATUS_CODES[status] ?? (status >= 500 ? PlatformErrorCode.Internal : PlatformErrorCode.ValidationFailed);
  const response = exception.getResponse();
  // The readiness probe answers 503 with the state of each check; keep it for operators.
  if (status === 503 && typeof response === 'object' && response !== null && 'details' in response) {
    return { code, detail: 'Not ready.', extensions: { checks: response.details } };
  }
  const message =
    typeof response === 'object' &&
    response !== null &&
    typeof (response as { message?: unknown }).message === 'string'
      ? (response as { message: string }).message
      : exception.message;
  return { code, detail: message };
}

/**
 * The one place errors become HTTP responses: RFC 9457 problem+json with a trace id, whatever was
 * thrown. Nothing internal (stack, SQL) reaches the body unless `exposeInternals` is set (development).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(private readonly exposeInternals: boolean) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (res.headersSent) {
      this.logger.error({ msg: 'error after the response started', err: exception });
      res.end();
      return;
    }
    if (exception instanceof RateLimitedError) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(exception.retryAfterSeconds))));
    }
    sendProblem(req, res, this.toProblem(exception, req));
  }

  private toProblem(exception: unknown, req: Request): ProblemInput {
    if (exception instanceof DomainError) {
      const errors: readonly FieldError[] = exception.fieldErrors;
      return { code: exception.code, detail: exception.message, errors, extensions: exception.extensions };
    }
    if (isBodyParserError(exception)) return bodyParserProblem(exception);
    // The Express adapter wraps body-parser errors in an HttpException; the original is the cause.
    if (exception instanceof HttpException && isBodyParserError(exception.cause)) {
      return bodyParserProblem(exception.cause);
    }
    if (exception instanceof HttpException && exception.getStatus() !== 500) {
      return httpExceptionProblem(exception, req);
    }
    this.logger.error({ msg: 'unhandled error', err: exception });
    const detail =
      this.exposeInternals && exception instanceof Error
        ? `${exception.message}\n${exception.stack ?? ''}`
        : 'An unexpected error occurred. Quote the traceId when reporting it.';
    return { code: PlatformErrorCode.Internal, detail };
  }
}
