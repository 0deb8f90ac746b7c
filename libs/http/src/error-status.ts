import { HttpStatus } from '@nestjs/common';
import {
  ApprovalErrorCode,
  AuthErrorCode,
  DeploymentErrorCode,
  CoordinationErrorCode,
  ClusterErrorCode,
  ModuleErrorCode,
  PlatformErrorCode,
  type ErrorCode,
} from '@hotswap/contracts';

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
  [ModuleErrorCode.ModuleNotFound]: { status: HttpStatus.NOT_FOUND, title: 'Module not found' },
  [ModuleErrorCode.VersionNotFound]: { status: HttpStatus.NOT_FOUND, title: 'Module version not found' },
  [ModuleErrorCode.VersionExists]: { status: HttpStatus.CONFLICT, title: 'Module version already published' },
  [ModuleErrorCode.SignatureInvalid]: { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'Invalid signature' },
  [ModuleErrorCode.SigningKeyNotFound]: { status: HttpStatus.NOT_FOUND, title: 'Signing key not found' },
  [ModuleErrorCode.SigningKeyRejected]: { status: HttpStatus.BAD_REQUEST, title: 'Signing key refused' },
  [ModuleErrorCode.SigningKeyExists]: {
    status: HttpStatus.CONFLICT,
    title: 'Signing key already registered',
  },
  [ModuleErrorCode.SigningKeyRevoked]: { status: HttpStatus.CONFLICT, title: 'Signing key already revoked' },
  [ModuleErrorCode.YankStateConflict]: {
    status: HttpStatus.CONFLICT,
    title: 'Version already in that state',
  },
  [DeploymentErrorCode.DeploymentNotFound]: { status: HttpStatus.NOT_FOUND, title: 'Deployment not found' },
  [DeploymentErrorCode.NotDeployable]: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Module version not deployable',
  },
  [DeploymentErrorCode.ActiveDeploymentExists]: {
    status: HttpStatus.CONFLICT,
    title: 'Another deployment is active',
  },
  [DeploymentErrorCode.EnvironmentFrozen]: { status: HttpStatus.CONFLICT, title: 'Environment frozen' },
  [DeploymentErrorCode.ActionNotAllowed]: {
    status: HttpStatus.CONFLICT,
    title: 'Action not allowed in this state',
  },
  [AuthErrorCode.InvalidCredentials]: { status: HttpStatus.UNAUTHORIZED, title: 'Unauthorized' },
  [AuthErrorCode.InvalidRefreshToken]: { status: HttpStatus.UNAUTHORIZED, title: 'Unauthorized' },
  [AuthErrorCode.UsernameTaken]: { status: HttpStatus.CONFLICT, title: 'Conflict' },
  [AuthErrorCode.LastAdmin]: { status: HttpStatus.CONFLICT, title: 'Conflict' },
  [CoordinationErrorCode.IdempotencyKeyReused]: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Idempotency key reused with a different request',
  },
  [CoordinationErrorCode.IdempotencyRequestInFlight]: {
    status: HttpStatus.CONFLICT,
    title: 'A request with this idempotency key is in progress',
  },
  [ClusterErrorCode.EnvironmentNotFound]: { status: HttpStatus.NOT_FOUND, title: 'Environment not found' },
  [ClusterErrorCode.EnvironmentExists]: { status: HttpStatus.CONFLICT, title: 'Environment already exists' },
  [ClusterErrorCode.EnvironmentRankTaken]: {
    status: HttpStatus.CONFLICT,
    title: 'Another environment has that rank',
  },
  [ClusterErrorCode.FreezeStateConflict]: {
    status: HttpStatus.CONFLICT,
    title: 'Environment already in that state',
  },
  [ClusterErrorCode.NodeNotFound]: { status: HttpStatus.NOT_FOUND, title: 'Node not found' },
  [ClusterErrorCode.NodeNameTaken]: {
    status: HttpStatus.CONFLICT,
    title: 'A node with that name exists in the environment',
  },
  [ClusterErrorCode.NodeStateConflict]: {
    status: HttpStatus.CONFLICT,
    title: 'Not allowed in the node state',
  },
  [ClusterErrorCode.EnrollmentTokenInvalid]: {
    status: HttpStatus.UNAUTHORIZED,
    title: 'Invalid enrollment token',
  },
  [ClusterErrorCode.SimulationDisabled]: { status: HttpStatus.CONFLICT, title: 'Fleet simulation is off' },
  [ApprovalErrorCode.ApprovalNotPending]: { status: HttpStatus.CONFLICT, title: 'No approval pending' },
  [ApprovalErrorCode.ApprovalExpired]: { status: HttpStatus.CONFLICT, title: 'Approval expired' },
  [ApprovalErrorCode.ApprovalAlreadyDecided]: {
    status: HttpStatus.CONFLICT,
    title: 'Already decided by this user',
  },
  [ApprovalErrorCode.ApproverNotAllowed]: { status: HttpStatus.FORBIDDEN, title: 'Not an approver here' },
};
