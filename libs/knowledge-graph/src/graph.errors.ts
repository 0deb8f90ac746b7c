import { PlatformErrorCode, type FieldError } from '@hotswap/contracts';
import { DomainError, RequestValidationError } from '@hotswap/http';

/** Errors of the knowledge graph; they reuse the platform codes (400/404/409/503). */
export class GraphError extends DomainError {}

export const entityNotFound = (id: string) =>
  new GraphError(PlatformErrorCode.NotFound, `Graph entity '${id}' was not found.`);

export const relationshipNotFound = (id: string) =>
  new GraphError(PlatformErrorCode.NotFound, `Graph relationship '${id}' was not found.`);

export const schemaNotFound = (version: string) =>
  new GraphError(PlatformErrorCode.NotFound, `Graph schema version '${version}' was not found.`);

export const noPath = (from: string, to: string, detail: string) =>
  new GraphError(PlatformErrorCode.NotFound, `No path from entity '${from}' to entity '${to}' ${detail}.`);

export const staleVersion = (id: string, expected: number, actual: number) =>
  new GraphError(
    PlatformErrorCode.Conflict,
    `Graph entity '${id}' is at version ${actual}, not ${expected}: it was changed meanwhile; re-read it and retry.`,
    [],
    { currentVersion: actual },
  );

export const topologyOwned = (what: string, id: string) =>
  new GraphError(
    PlatformErrorCode.Conflict,
    `${what} '${id}' mirrors the deployment topology and is read-only through the graph API.`,
  );

export const schemaVersionExists = (version: string) =>
  new GraphError(PlatformErrorCode.Conflict, `Graph schema version '${version}' already exists.`);

export const schemaVersionNotNewer = (version: string, latest: string) =>
  new GraphError(
    PlatformErrorCode.Conflict,
    `Graph schema version '${version}' is not newer than the latest version '${latest}'.`,
  );

export const queryTimedOut = (timeoutMs: number) =>
  new GraphError(
    PlatformErrorCode.Unavailable,
    `The graph query was cancelled: it ran past its timeoutMs limit of ${timeoutMs} ms.`,
    [],
    { timeoutMs },
  );

export const invalid = (errors: readonly FieldError[]) => new RequestValidationError(errors);
