import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { PUBLIC_ROUTE, REQUIRED_ROLES, type Role } from '@hotswap/contracts';

/*
 * Access rules are declared on every route; the global guard (auth) denies anything without one.
 * These are metadata only, so that every feature can declare them without depending on auth.
 */

/** Reachable without a token (login, refresh, enrollment, probes, docs, metrics). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Needs a valid token holding one of `roles` (with the hierarchy: Admin ⊇ Deployer ⊇ Viewer). */
export const Roles = (...roles: [Role, ...Role[]]) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLES, roles),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired token.' }),
    ApiForbiddenResponse({ description: `Requires one of the roles: ${roles.join(', ')}.` }),
  );
