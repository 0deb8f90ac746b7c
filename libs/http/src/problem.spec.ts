import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PlatformErrorCode } from '@hotswap/contracts';
import { requestContextMiddleware, runWithContext, type RequestContext } from '@hotswap/observability';
import { buildProblem } from './problem';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function request(
  init: { url?: string; originalUrl?: string; headers?: IncomingHttpHeaders } = {},
): IncomingMessage {
  return { headers: {}, ...init } as unknown as IncomingMessage;
}

/** A request that went through the request-context middleware, as every real one does. */
function requestWithContext(traceparent: string): IncomingMessage {
  const req = request({ url: '/x', headers: { traceparent } });
  const res = { setHeader: () => undefined } as unknown as ServerResponse;
  requestContextMiddleware(req, res, () => undefined);
  return req;
}

describe('buildProblem', () => {
  it('fills the RFC 9457 members from the code', () => {
    const problem = buildProblem(request({ url: '/api/v1/deployments/42' }), {
      code: PlatformErrorCode.NotFound,
      detail: "Deployment '42' was not found.",
    });
    expect(problem).toEqual({
      type: 'urn:hotswap:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: "Deployment '42' was not found.",
      instance: '/api/v1/deployments/42',
      code: 'not_found',
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('drops the query string from instance', () => {
    const problem = buildProblem(request({ url: '/api/v1/deployments?token=secret&page=2' }), {
      code: PlatformErrorCode.ValidationFailed,
      detail: 'x',
    });
    expect(problem.instance).toBe('/api/v1/deployments');
  });

  it('takes instance from originalUrl, which Express keeps when a router rewrites url', () => {
    const problem = buildProblem(request({ url: '/42?a=1', originalUrl: '/api/v1/deployments/42?a=1' }), {
      code: PlatformErrorCode.NotFound,
      detail: 'x',
    });
    expect(problem.instance).toBe('/api/v1/deployments/42');
  });

  it('uses / as instance when the request has no URL', () => {
    expect(buildProblem(request(), { code: PlatformErrorCode.Internal, detail: 'x' }).instance).toBe('/');
  });

  it('takes the trace id from the context attached to the request', () => {
    const req = requestWithContext(`00-${TRACE_ID}-00f067aa0ba902b7-01`);
    expect(buildProblem(req, { code: PlatformErrorCode.Internal, detail: 'x' }).traceId).toBe(TRACE_ID);
  });

  it('falls back to the current context’s trace id', () => {
    const context: RequestContext = {
      requestId: 'job-1',
      traceId: TRACE_ID,
      spanId: 'b7ad6b7169203331',
      parentSpanId: undefined,
      traceFlags: '01',
      clientIp: null,
      userAgent: null,
    };
    const problem = runWithContext(context, () =>
      buildProblem(request({ url: '/x' }), { code: PlatformErrorCode.Internal, detail: 'x' }),
    );
    expect(problem.traceId).toBe(TRACE_ID);
  });

  it('lists field errors when there are some', () => {
    const errors = [
      { field: 'name', message: 'name must be a string' },
      { field: 'owner.team', message: 'team must be a string' },
    ];
    const problem = buildProblem(request({ url: '/x' }), {
      code: PlatformErrorCode.ValidationFailed,
      detail: 'x',
      errors,
    });
    expect(problem.errors).toEqual(errors);
  });

  it('leaves errors out when the list is empty or absent', () => {
    const empty = buildProblem(request({ url: '/x' }), {
      code: PlatformErrorCode.Conflict,
      detail: 'x',
      errors: [],
    });
    const absent = buildProblem(request({ url: '/x' }), { code: PlatformErrorCode.Conflict, detail: 'x' });
    expect(empty).not.toHaveProperty('errors');
    expect(absent).not.toHaveProperty('errors');
  });

  it('adds extension members', () => {
    const problem = buildProblem(request({ url: '/x' }), {
      code: PlatformErrorCode.Conflict,
      detail: 'A deployment is already running.',
      extensions: { activeDeploymentId: 'dep_123' },
    });
    expect(problem.activeDeploymentId).toBe('dep_123');
    expect(problem.status).toBe(409);
  });

  it('never lets an extension override a standard member', () => {
    const problem = buildProblem(request({ url: '/real/path' }), {
      code: PlatformErrorCode.Conflict,
      detail: 'real detail',
      extensions: {
        type: 'https://evil.example.com',
        title: 'OK',
        status: 200,
        detail: 'fake detail',
        instance: '/fake',
        code: 'internal',
        traceId: 'fake',
        extra: 1,
      },
    });
    expect(problem).toMatchObject({
      type: 'urn:hotswap:problem:conflict',
      title: 'Conflict',
      status: 409,
      detail: 'real detail',
      instance: '/real/path',
      code: 'conflict',
      extra: 1,
    });
    expect(problem.traceId).not.toBe('fake');
  });
});

describe('buildProblem reserved members', () => {
  it('never takes `errors` from extensions: it is only the field-error list', () => {
    const withoutFieldErrors = buildProblem(request({ url: '/x' }), {
      code: PlatformErrorCode.Conflict,
      detail: 'busy',
      extensions: { errors: 'not a list', activeDeploymentId: 'd-1' },
    });
    expect(withoutFieldErrors).not.toHaveProperty('errors');
    expect(withoutFieldErrors.activeDeploymentId).toBe('d-1');
    const withFieldErrors = buildProblem(request({ url: '/x' }), {
      code: PlatformErrorCode.ValidationFailed,
      detail: 'bad',
      errors: [{ field: 'name', message: 'too short' }],
      extensions: { errors: 'not a list' },
    });
    expect(withFieldErrors.errors).toEqual([{ field: 'name', message: 'too short' }]);
  });
});
