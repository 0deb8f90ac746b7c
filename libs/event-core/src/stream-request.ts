import type { FieldError, Role } from '@hotswap/contracts';
import { resolveFilter, splitTypes, type FilterRequest, type StreamFilter } from './event-access';

const SEQ = /^\d{1,19}$/;

/** A query parameter's one value (the first when repeated); anything else counts as invalid text. */
export function single(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '\u0000';
}

/** An event seq parameter: undefined when absent, an error recorded when malformed. */
export function seqParam(field: string, value: string | undefined, errors: FieldError[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!SEQ.test(value) || BigInt(value) > 9223372036854775807n) {
    errors.push({ field, message: 'must be an event seq (a non-negative whole number)' });
    return undefined;
  }
  return value;
}

/** `GET /events/stream`'s parameters (events spec §2), before anyone is authenticated. */
export interface StreamRequest {
  /** Replay after this seq: `Last-Event-ID`, else `since`. */
  readonly since: string | undefined;
  readonly filter: FilterRequest;
  readonly ticket: string | undefined;
  readonly errors: readonly FieldError[];
}

export function parseStreamRequest(
  query: Readonly<Record<string, unknown>>,
  lastEventId: string | undefined,
): StreamRequest {
  const errors: FieldError[] = [];
  const since =
    seqParam('Last-Event-ID', lastEventId, errors) ?? seqParam('since', single(query.since), errors);
  return {
    since,
    filter: {
      types: splitTypes(single(query.types)),
      deploymentId: single(query.deploymentId),
      environment: single(query.environment),
    },
    ticket: single(query.ticket),
    errors,
  };
}

/** What a caller with `roles` gets for a stream request: the filter, or why not (400 / 403). */
export type StreamDecision =
  | { readonly ok: true; readonly filter: StreamFilter }
  | { readonly ok: false; readonly status: 400; readonly errors: readonly FieldError[] }
  | { readonly ok: false; readonly status: 403; readonly message: string };

/** Validation first (every error at once), then the roles: asking for an unreadable type is a 403. */
export function decideStream(request: StreamRequest, roles: readonly Role[]): StreamDecision {
  const result = resolveFilter(request.filter, roles);
  const errors = [...request.errors];
  if (!result.ok && result.status === 'invalid') errors.push(...result.errors);
  if (errors.length > 0) return { ok: false, status: 400, errors };
  if (result.ok) return result;
  return {
    ok: false,
    status: 403,
    message: forbiddenMessage(result.status === 'forbidden' ? result.types : []),
  };
}

export function forbiddenMessage(types: readonly string[]): string {
  return types.length > 0
    ? `Your roles do not allow reading ${types.join(', ')}.`
    : 'Your roles do not allow reading any events.';
}
