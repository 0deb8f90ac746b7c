import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What HotSwap knows about the request being served, wherever the code runs for it. */
export interface RequestContext {
  readonly requestId: string;
  /** W3C trace id (32 lowercase hex digits), taken from `traceparent` or generated. */
  readonly traceId: string;
  /** The span id this process uses for the request (16 hex digits). */
  readonly spanId: string;
  /** The caller's span id when a `traceparent` came in. */
  readonly parentSpanId: string | undefined;
  readonly traceFlags: string;
  /** The client address (Express' `req.ip`, which honours TRUST_PROXY) and user agent. */
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The current request's context, if the code runs on behalf of a request. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current trace id, or a fresh one for work that does not come from a request. */
export function currentTraceId(): string {
  return storage.getStore()?.traceId ?? newTraceId();
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

// Version 00 has exactly four fields; later versions may append more, which are ignored (W3C §3.2.4).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export interface ParsedTraceparent {
  readonly traceId: string;
  readonly parentSpanId: string;
  readonly traceFlags: string;
}

/** Parses a W3C `traceparent` header; anything invalid is ignored (a new trace starts). */
export function parseTraceparent(header: string | undefined): ParsedTraceparent | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (match === null) return undefined;
  const [, version, traceId, parentSpanId, traceFlags, rest] = match;
  if (version === '00' && rest !== undefined) return undefined;
  if (
    version === undefined ||
    traceId === undefined ||
    parentSpanId === undefined ||
    traceFlags === undefined
  ) {
    return undefined;
  }
  if (version === 'ff' || /^0+$/.test(traceId) || /^0+$/.test(parentSpanId)) return undefined;
  return { traceId, parentSpanId, traceFlags };
}

export function formatTraceparent(context: RequestContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Builds the context of an incoming request from its `X-Request-Id` and `traceparent` headers. */
export function contextFromRequest(req: IncomingMessage): RequestContext {
  const incomingId = header(req, 'x-request-id');
  const parent = parseTraceparent(header(req, 'traceparent'));
  return {
    requestId: incomingId !== undefined && REQUEST_ID.test(incomingId) ? incomingId : randomUUID(),
    traceId: parent?.traceId ?? newTraceId(),
    spanId: newSpanId(),
    parentSpanId: parent?.parentSpanId,
    traceFlags: parent?.traceFlags ?? '01',
    clientIp: (req as IncomingMessage & { ip?: string }).ip ?? req.socket?.remoteAddress ?? null,
    userAgent: header(req, 'user-agent')?.slice(0, 512) ?? null,
  };
}

const CONTEXT = Symbol('hotswap.requestContext');
type WithContext = IncomingMessage & { [CONTEXT]?: RequestContext };

/** The context attached to a request object (also readable after the request's async scope ends). */
export function requestContextOf(req: IncomingMessage): RequestContext | undefined {
  return (req as WithContext)[CONTEXT];
}

/**
 * Express middleware, first in the chain: gives every request its context, echoes `X-Request-Id`
 * and a `traceparent` naming this process's span, and runs the rest of the chain inside the context.
 */
export function requestContextMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const context = contextFromRequest(req);
  (req as WithContext)[CONTEXT] = context;
  res.setHeader('X-Request-Id', context.requestId);
  res.setHeader('traceparent', formatTraceparent(context));
  storage.run(context, next);
}

/** Runs work (a job, a timer) under a context of its own so its logs and records carry a trace id. */
export function runWithContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}
