import { PlatformErrorCode, type ErrorCode, type FieldError } from '@hotswap/contracts';

/**
 * Base of every error a service throws on purpose. Services never throw HTTP exceptions: the code
 * decides the status, in one table ({@link ERROR_STATUS}).
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors: readonly FieldError[] = [],
    /** Extra members to put on the problem document (for example `activeDeploymentId`). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request whose fields are wrong; every field error is listed. */
export class RequestValidationError extends DomainError {
  constructor(fieldErrors: readonly FieldError[], message?: string) {
    super(
      PlatformErrorCode.ValidationFailed,
      message ??
        `The request has ${fieldErrors.length} invalid field${fieldErrors.length === 1 ? '' : 's'}: ${fieldErrors
          .map((e) => e.field)
          .join(', ')}.`,
      fieldErrors,
    );
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super(PlatformErrorCode.NotFound, `${what} '${id}' was not found.`);
  }
}

/** Too many requests; the filter sends `Retry-After` with the seconds given. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests; retry later.',
  ) {
    super(PlatformErrorCode.RateLimited, message, [], { retryAfterSeconds });
  }
}
