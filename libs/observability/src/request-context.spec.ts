import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  contextFromRequest,
  currentRequestContext,
  currentTraceId,
  formatTraceparent,
  parseTraceparent,
  requestContextMiddleware,
  requestContextOf,
  runWithContext,
  type RequestContext,
} from './request-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function request(headers: IncomingHttpHeaders = {}): IncomingMessage {
  return { headers } as IncomingMessage;
}

function sampleContext(overrides: Partial<RequestContext> = {}): RequestContext {
  return {
    requestId: 'req-1',
    traceId: TRACE_ID,
    spanId: 'b7ad6b7169203331',
    parentSpanId: PARENT_SPAN_ID,
    traceFlags: '01',
    clientIp: null,
    userAgent: null,
    ...overrides,
  };
}

describe('parseTraceparent', () => {
  it('parses a valid header', () => {
    expect(parseTraceparent(TRACEPARENT)).toEqual({
      traceId: TRACE_ID,
      parentSpanId: PARENT_SPAN_ID,
      traceFlags: '01',
    });
  });

  it('normalises upper-case hex digits and surrounding blanks', () => {
    expect(parseTraceparent(`  ${TRACEPARENT.toUpperCase()} `)).toEqual({
      traceId: TRACE_ID,
      parentSpanId: PARENT_SPAN_ID,
      traceFlags: '01',
    });
  });

  it('keeps the caller’s trace flags', () => {
    expect(parseTraceparent(`00-${TRACE_ID}-${PARENT_SPAN_ID}-00`)?.traceFlags).toBe('00');
  });

  it.each([
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_SPAN_ID}-01`],
    ['an all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT_SPAN_ID}-01`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${PARENT_SPAN_ID}-01`],
    ['a non-hex span id', `00-${TRACE_ID}-zzf067aa0ba902b7-01`],
    ['missing flags', `00-${TRACE_ID}-${PARENT_SPAN_ID}`],
    ['garbage', 'not-a-traceparent'],
    ['an empty string', ''],
  ])('refuses %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('returns undefined when there is no header', () => {
    expect(parseTraceparent(undefined)).toBeUndefined();
  });
});

describe('formatTraceparent', () => {
  it('names this process’s span, not the parent’s, under version 00', () => {
    expect(formatTraceparent(sampleContext())).toBe(`00-${TRACE_ID}-b7ad6b7169203331-01`);
  });

  it('produces a header parseTraceparent reads back', () => {
    const context = sampleContext({ traceFlags: '00' });
    expect(parseTraceparent(formatTraceparent(context))).toEqual({
      traceId: context.traceId,
      parentSpanId: context.spanId,
      traceFlags: '00',
    });
  });
});

describe('contextFromRequest', () => {
  it('keeps a safe X-Request-Id', () => {
    const id = 'client-42:abc/DEF+ghi=@.';
    expect(contextFromRequest(request({ 'x-request-id': id })).requestId).toBe(id);
  });

  it('keeps an X-Request-Id of exactly 128 characters', () => {
    const id = 'a'.repeat(128);
    expect(contextFromRequest(request({ 'x-request-id': id })).requestId).toBe(id);
  });

  it.each([
    ['contains spaces', 'has spaces in it'],
    ['is longer than 128 characters', 'a'.repeat(129)],
    ['contains a line break', 'abc\r\nSet-Cookie: x=1'],
    ['is empty', ''],
  ])('replaces an X-Request-Id that %s with a UUID', (_why, id) => {
    const context = contextFromRequest(request({ 'x-request-id': id }));
    expect(context.requestId).not.toBe(id);
    expect(context.requestId).toMatch(UUID);
  });

  it('generates a request id when none is sent', () => {
    expect(contextFromRequest(request()).requestId).toMatch(UUID);
  });

  it('uses the first value of a repeated X-Request-Id', () => {
    expect(contextFromRequest(request({ 'x-request-id': ['first', 'second'] })).requestId).toBe('first');
  });

  it('continues the trace of an incoming traceparent with a span of its own', () => {
    const context = contextFromRequest(request({ traceparent: TRACEPARENT }));
    expect(context.traceId).toBe(TRACE_ID);
    expect(context.parentSpanId).toBe(PARENT_SPAN_ID);
    expect(context.traceFlags).toBe('01');
    expect(context.spanId).toMatch(HEX16);
    expect(context.spanId).not.toBe(PARENT_SPAN_ID);
  });

  it('starts a new sampled trace without a traceparent', () => {
    const context = contextFromRequest(request());
    expect(context.traceId).toMatch(HEX32);
    expect(context.spanId).toMatch(HEX16);
    expect(context.parentSpanId).toBeUndefined();
    expect(context.traceFlags).toBe('01');
  });

  it('starts a new trace when the traceparent is invalid', () => {
    const context = contextFromRequest(request({ traceparent: `ff-${TRACE_ID}-${PARENT_SPAN_ID}-01` }));
    expect(context.traceId).toMatch(HEX32);
    expect(context.traceId).not.toBe(TRACE_ID);
    expect(context.parentSpanId).toBeUndefined();
  });

  it('gives two requests different ids', () => {
    const a = contextFromRequest(request());
    const b = contextFromRequest(request());
    expect(a.requestId).not.toBe(b.requestId);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.spanId).not.toBe(b.spanId);
  });
});

describe('runWithContext', () => {
  it('makes the context current inside the work and returns its result', () => {
    const context = sampleContext();
    const result = runWithContext(context, () => [currentRequestContext(), currentTraceId()] as const);
    expect(result).toEqual([context, TRACE_ID]);
  });

  it('keeps the context across awaits', async () => {
    const context = sampleContext();
    const traceId = await runWithContext(context, async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return currentTraceId();
    });
    expect(traceId).toBe(TRACE_ID);
  });

  it('restores the outer context after nested work', () => {
    const outer = sampleContext({ requestId: 'outer' });
    const inner = sampleContext({ requestId: 'inner', traceId: 'a'.repeat(32) });
    const seen = runWithContext(outer, () => {
      const nested = runWithContext(inner, () => currentRequestContext()?.requestId);
      return [nested, currentRequestContext()?.requestId];
    });
    expect(seen).toEqual(['inner', 'outer']);
  });

  it('has no context outside, where each trace id is fresh', () => {
    expect(currentRequestContext()).toBeUndefined();
    const first = currentTraceId();
    expect(first).toMatch(HEX32);
    expect(currentTraceId()).not.toBe(first);
  });
});

describe('requestContextMiddleware', () => {
  class FakeResponse {
    readonly headers = new Map<string, string>();
    setHeader(name: string, value: string): this {
      this.headers.set(name.toLowerCase(), value);
      return this;
    }
  }

  it('attaches the context, echoes its ids and runs the chain inside it', () => {
    const req = request({ 'x-request-id': 'abc-123', traceparent: TRACEPARENT });
    const res = new FakeResponse();
    let inside: RequestContext | undefined;
    requestContextMiddleware(req, res as unknown as ServerResponse, () => {
      inside = currentRequestContext();
    });

    const attached = requestContextOf(req);
    expect(attached).toBeDefined();
    expect(inside).toBe(attached);
    expect(attached?.requestId).toBe('abc-123');
    expect(attached?.traceId).toBe(TRACE_ID);
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(res.headers.get('traceparent')).toBe(`00-${TRACE_ID}-${attached?.spanId}-01`);
  });

  it('leaves a request it has not seen without a context', () => {
    expect(requestContextOf(request())).toBeUndefined();
  });
});

describe('parseTraceparent and future versions', () => {
  it('reads the first four fields of a later version and ignores what follows', () => {
    expect(parseTraceparent(`01-${TRACE_ID}-${PARENT_SPAN_ID}-01-extra-fields`)).toEqual({
      traceId: TRACE_ID,
      parentSpanId: PARENT_SPAN_ID,
      traceFlags: '01',
    });
  });

  it('refuses extra fields on version 00, which has exactly four', () => {
    expect(parseTraceparent(`${TRACEPARENT}-extra`)).toBeUndefined();
  });
});
