import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import {
  NODE_CREDENTIAL_ROUTE,
  PROBLEM_CONTENT_TYPE,
  PUBLIC_ROUTE,
  RATE_LIMIT_CLASS,
  REQUIRED_ROLES,
  type RateLimitClass,
  type Role,
} from '@hotswap/contracts';

/*
 * Access rules are declared on every route; the global guard (auth) denies anything without one.
 * These are metadata only, so that every feature can declare them without depending on auth.
 */

const PROBLEM_CONTENT = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } };

/** A documented problem+json answer. */
export const ApiProblemResponse = (status: number, description: string) =>
  ApiResponse({ status, description, content: PROBLEM_CONTENT });

/** The 429 every rate-limited route can answer. */
export const ApiRateLimitedResponse = () =>
  ApiProblemResponse(429, 'Rate limit exceeded; `Retry-After` says when to retry.');

/** Reachable without a token (login, refresh, enrollment, probes, docs, metrics). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Needs a valid token holding one of `roles` (with the hierarchy: Admin ⊇ Deployer ⊇ Viewer). */
export const Roles = (...roles: [Role, ...Role[]]) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLES, roles),
    ApiBearerAuth('bearer'),
    ApiProblemResponse(401, 'Missing, invalid or expired token.'),
    ApiProblemResponse(403, `Requires one of the roles: ${roles.join(', ')}.`),
    ApiRateLimitedResponse(),
  );

/** The rate-limit budget of a route (by default: `mutating` for writes, `reads` otherwise). */
export const RateLimit = (budget: RateLimitClass) => SetMetadata(RATE_LIMIT_CLASS, budget);

/**
 * Also reachable with a node credential (`Bearer hsnc_…`, see docs/agent-protocol.md), in addition to
 * the route's `@Roles(...)` for users and API tokens. A node gets no other HTTP access: on routes
 * without this marker its credential authenticates nothing (401).
 */
export const AcceptsNodeCredential = () => SetMetadata(NODE_CREDENTIAL_ROUTE, true);
