import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  PROBLEM_CONTENT_TYPE,
  problemType,
  type ErrorCode,
  type FieldError,
  type ProblemDetails,
} from '@hotswap/contracts';
import { currentTraceId, requestContextOf } from '@hotswap/observability';
import { ERROR_STATUS } from './error-status';

export interface ProblemInput {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** Builds the RFC 9457 document for an error answered to `req`. */
export function buildProblem(
  req: IncomingMessage,
  input: ProblemInput,
): ProblemDetails & Record<string, unknown> {
  const { status, title } = ERROR_STATUS[input.code];
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const instance = url.split('?')[0] ?? '/';
  // Extensions come first so the standard members always win; `errors` is only ever the field list.
  const { errors: _reserved, ...extensions } = input.extensions ?? {};
  return {
    ...extensions,
    type: problemType(input.code),
    title,
    status,
    detail: input.detail,
    instance,
    code: input.code,
    traceId: requestContextOf(req)?.traceId ?? currentTraceId(),
    ...(input.errors !== undefined && input.errors.length > 0 ? { errors: input.errors } : {}),
  };
}

/** Writes a problem response directly (for code that runs outside Nest's exception filters). */
export function sendProblem(req: IncomingMessage, res: ServerResponse, input: ProblemInput): void {
  const problem = buildProblem(req, input);
  const body = JSON.stringify(problem);
  res.statusCode = problem.status;
  res.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
