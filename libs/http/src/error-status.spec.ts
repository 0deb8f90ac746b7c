import { ALL_ERROR_CODES, AuthErrorCode, CoordinationErrorCode, PlatformErrorCode } from '@hotswap/contracts';
import { ERROR_STATUS } from './error-status';

describe('ERROR_STATUS', () => {
  it.each(ALL_ERROR_CODES)('maps %s to an error status with a title', (code) => {
    const entry = ERROR_STATUS[code];
    expect(entry).toBeDefined();
    expect(entry.status).toBeGreaterThanOrEqual(400);
    expect(entry.status).toBeLessThanOrEqual(599);
    expect(entry.title.trim()).not.toBe('');
  });

  it('has no entry for a code that does not exist', () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ALL_ERROR_CODES].sort());
  });

  it.each([
    [PlatformErrorCode.ValidationFailed, 400],
    [PlatformErrorCode.MalformedBody, 400],
    [PlatformErrorCode.PayloadTooLarge, 413],
    [PlatformErrorCode.UnsupportedMediaType, 415],
    [PlatformErrorCode.RouteNotFound, 404],
    [PlatformErrorCode.MethodNotAllowed, 405],
    [PlatformErrorCode.NotFound, 404],
    [PlatformErrorCode.Conflict, 409],
    [PlatformErrorCode.Unauthenticated, 401],
    [PlatformErrorCode.Forbidden, 403],
    [PlatformErrorCode.RateLimited, 429],
    [PlatformErrorCode.Unavailable, 503],
    [PlatformErrorCode.Internal, 500],
    [AuthErrorCode.InvalidCredentials, 401],
    [AuthErrorCode.InvalidRefreshToken, 401],
    [AuthErrorCode.UsernameTaken, 409],
    [AuthErrorCode.LastAdmin, 409],
    [CoordinationErrorCode.IdempotencyKeyReused, 422],
    [CoordinationErrorCode.IdempotencyRequestInFlight, 409],
  ])('answers %s with %d', (code, status) => {
    expect(ERROR_STATUS[code].status).toBe(status);
  });
});
