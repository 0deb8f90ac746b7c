import { HttpStatus } from '@nestjs/common';
import { CoordinationErrorCode, PlatformErrorCode, type ErrorCode } from '@hotswap/contracts';

/** The HTTP status and title of every error code. Exhaustive by type: a new code must be added here. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, { status: HttpStatus; title: string }>> = {
  [PlatformErrorCode.ValidationFailed]: { status: HttpStatus.BAD_REQUEST, title: 'Invalid request' },
  [PlatformErrorCode.MalformedBody]: { status: HttpStatus.BAD_REQUEST, title: 'Malformed request body' },
  [PlatformErrorCode.PayloadTooLarge]: { status: HttpStatus.PAYLOAD_TOO_LARGE, title: 'Payload too large' },
  [PlatformErrorCode.UnsupportedMediaType]: {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    title: 'Unsupported media type',
  },
  [PlatformErrorCode.RouteNotFound]: { status: HttpStatus.NOT_FOUND, title: 'Route not found' },
  [PlatformErrorCode.MethodNotAllowed]: {
    status: HttpStatus.METHOD_NOT_ALLOWED,
    title: 'Method not allowed',
  },
  [PlatformErrorCode.NotFound]: { status: HttpStatus.NOT_FOUND, title: 'Not found' },
  [PlatformErrorCode.Conflict]: { status: HttpStatus.CONFLICT, title: 'Conflict' },
  [PlatformErrorCode.Unauthenticated]: { status: HttpStatus.UNAUTHORIZED, title: 'Unauthorized' },
  [PlatformErrorCode.Forbidden]: { status: HttpStatus.FORBIDDEN, title: 'Forbidden' },
  [PlatformErrorCode.RateLimited]: { status: HttpStatus.TOO_MANY_REQUESTS, title: 'Too many requests' },
  [PlatformErrorCode.Unavailable]: { status: HttpStatus.SERVICE_UNAVAILABLE, title: 'Service unavailable' },
  [PlatformErrorCode.Internal]: { status: HttpStatus.INTERNAL_SERVER_ERROR, title: 'Internal server error' },
  [CoordinationErrorCode.IdempotencyKeyReused]: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Idempotency key reused with a different request',
  },
  [CoordinationErrorCode.IdempotencyRequestInFlight]: {
    status: HttpStatus.CONFLICT,
    title: 'A request with this idempotency key is in progress',
  },
};
