import {
  EVENT_TYPES,
  isEventType,
  Role,
  satisfiesRoles,
  type EventType,
  type FieldError,
} from '@hotswap/contracts';

/**
 * Who may read each event type: the role its REST resource requires for reading (deployments,
 * approvals, nodes and modules are Viewer reads). A record, so a new type must say who reads it.
 */
export const EVENT_READ_ROLE: Readonly<Record<EventType, Role>> = {
  'module.published': Role.Viewer,
  'module.yanked': Role.Viewer,
  'deployment.created': Role.Viewer,
  'deployment.status_changed': Role.Viewer,
  'deployment.stage_changed': Role.Viewer,
  'deployment.progress': Role.Viewer,
  'deployment.analysis': Role.Viewer,
  'deployment.completed': Role.Viewer,
  'approval.requested': Role.Viewer,
  'approval.decided': Role.Viewer,
  'approval.expired': Role.Viewer,
  'node.registered': Role.Viewer,
  'node.status_changed': Role.Viewer,
  'node.heartbeat_lost': Role.Viewer,
};

/** The event types a holder of `roles` may read. */
export function readableTypes(roles: readonly Role[]): EventType[] {
  return EVENT_TYPES.filter((t) => satisfiesRoles(roles, [EVENT_READ_ROLE[t]]));
}

/** What one stream delivers; every condition given must hold (filters are applied server-side). */
export interface StreamFilter {
  readonly types: ReadonlySet<EventType>;
  readonly deploymentId?: string;
  readonly environment?: string;
}

export interface FilterRequest {
  /** Patterns: exact types, `family.*`, or `*`; absent means everything readable. */
  readonly types?: readonly string[];
  readonly deploymentId?: string;
  readonly environment?: string;
}

export type FilterResult =
  | { readonly ok: true; readonly filter: StreamFilter }
  | { readonly ok: false; readonly status: 'invalid'; readonly errors: FieldError[] }
  | { readonly ok: false; readonly status: 'forbidden'; readonly types: EventType[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Expands one pattern to the catalogue's types, or undefined when it names none. */
export function expandPattern(pattern: string): EventType[] | undefined {
  if (pattern === '*') return [...EVENT_TYPES];
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -1);
    const matched = EVENT_TYPES.filter((t) => t.startsWith(prefix));
    return matched.length > 0 ? matched : undefined;
  }
  return isEventType(pattern) ? [pattern] : undefined;
}

/**
 * Validates a stream's filter and checks it against the caller's roles: asking for a type the
 * caller cannot read is refused (403), not silently narrowed.
 */
export function resolveFilter(request: FilterRequest, roles: readonly Role[]): FilterResult {
  const errors: FieldError[] = [];
  const requested = new Set<EventType>();
  if (request.types !== undefined) {
    if (request.types.length === 0) errors.push({ field: 'types', message: 'must name at least one type' });
    for (const pattern of request.types) {
      const expanded = expandPattern(pattern);
      if (expanded === undefined) {
        errors.push({ field: 'types', message: `'${pattern.slice(0, 80)}' is not an event type or family` });
      } else for (const t of expanded) requested.add(t);
    }
  }
  if (request.deploymentId !== undefined && !UUID.test(request.deploymentId))
    errors.push({ field: 'deploymentId', message: 'must be a UUID' });
  if (request.environment !== undefined && !ENVIRONMENT.test(request.environment))
    errors.push({ field: 'environment', message: 'must be an environment name' });
  if (errors.length > 0) return { ok: false, status: 'invalid', errors };
  const readable = new Set(readableTypes(roles));
  if (readable.size === 0) return { ok: false, status: 'forbidden', types: [...requested] };
  const types = request.types === undefined ? readable : requested;
  const denied = [...types].filter((t) => !readable.has(t));
  if (denied.length > 0) return { ok: false, status: 'forbidden', types: denied };
  return {
    ok: true,
    filter: { types, deploymentId: request.deploymentId, environment: request.environment },
  };
}

export function splitTypes(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
