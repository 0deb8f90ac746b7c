import type { IncomingHttpHeaders } from 'node:http';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { lastValueFrom, of } from 'rxjs';
import { AcceptsContent, ContentTypeInterceptor, mediaTypeMatches } from './content-type';
import { DomainError } from './domain-error';

class DeploymentsController {
  create(): void {}

  @AcceptsContent('multipart/form-data')
  upload(): void {}
}

@AcceptsContent('application/octet-stream')
class ArtifactsController {
  put(): void {}

  @AcceptsContent('application/zip')
  putZip(): void {}
}

type Handler = (...args: never[]) => unknown;

function httpContext(
  headers: IncomingHttpHeaders,
  handler: Handler = DeploymentsController.prototype.create,
  controller: abstract new (...args: never[]) => unknown = DeploymentsController,
): ExecutionContext {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
    getHandler: () => handler,
    getClass: () => controller,
  } as unknown as ExecutionContext;
}

function jsonBody(contentType: string): IncomingHttpHeaders {
  return { 'content-type': contentType, 'content-length': '12' };
}

describe('ContentTypeInterceptor', () => {
  const interceptor = new ContentTypeInterceptor(new Reflector());
  let handled: number;
  const next: CallHandler = {
    handle: () => {
      handled += 1;
      return of('handled');
    },
  };

  beforeEach(() => {
    handled = 0;
  });

  async function run(context: ExecutionContext): Promise<unknown> {
    return lastValueFrom(interceptor.intercept(context, next));
  }

  function refusal(context: ExecutionContext): DomainError {
    try {
      interceptor.intercept(context, next);
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
    throw new Error('the interceptor let the request through');
  }

  it.each([
    ['no body headers at all', {}],
    ['Content-Length 0', { 'content-type': 'text/plain', 'content-length': '0' }],
  ])('passes a request without a body (%s), whatever its Content-Type', async (_name, headers) => {
    await expect(run(httpContext(headers))).resolves.toBe('handled');
    expect(handled).toBe(1);
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/merge-patch+json',
    'application/vnd.hotswap.v1+json',
  ])('passes a JSON body sent as %s', async (contentType) => {
    await expect(run(httpContext(jsonBody(contentType)))).resolves.toBe('handled');
  });

  it('treats a chunked request as having a body', () => {
    const error = refusal(httpContext({ 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }));
    expect(error.code).toBe('unsupported_media_type');
  });

  it('refuses text/plain with unsupported_media_type before the handler runs', () => {
    const error = refusal(httpContext(jsonBody('text/plain')));
    expect(error.code).toBe('unsupported_media_type');
    expect(error.message).toContain("'text/plain'");
    expect(error.message).toContain('application/json');
    expect(handled).toBe(0);
  });

  it.each(['application/xml', 'application/jsonp', 'text/json', 'application/json-seq'])(
    'refuses %s, which only looks like JSON',
    (contentType) => {
      expect(refusal(httpContext(jsonBody(contentType))).code).toBe('unsupported_media_type');
    },
  );

  it('refuses a body without a Content-Type and says none was sent', () => {
    const error = refusal(httpContext({ 'content-length': '5' }));
    expect(error.code).toBe('unsupported_media_type');
    expect(error.message).toContain('(none)');
  });

  describe('a handler declaring @AcceptsContent', () => {
    const upload = DeploymentsController.prototype.upload;

    it('accepts its media type', async () => {
      const headers = jsonBody('multipart/form-data; boundary=----abc');
      await expect(run(httpContext(headers, upload))).resolves.toBe('handled');
    });

    it('refuses JSON, which it did not declare', () => {
      const error = refusal(httpContext(jsonBody('application/json'), upload));
      expect(error.code).toBe('unsupported_media_type');
      expect(error.message).toContain('multipart/form-data');
      expect(handled).toBe(0);
    });
  });

  describe('a controller declaring @AcceptsContent', () => {
    it('applies to handlers that declare nothing', async () => {
      const put = ArtifactsController.prototype.put;
      await expect(
        run(httpContext(jsonBody('application/octet-stream'), put, ArtifactsController)),
      ).resolves.toBe('handled');
      expect(refusal(httpContext(jsonBody('application/json'), put, ArtifactsController)).code).toBe(
        'unsupported_media_type',
      );
    });

    it('is overridden by the handler’s own declaration', async () => {
      const putZip = ArtifactsController.prototype.putZip;
      await expect(run(httpContext(jsonBody('application/zip'), putZip, ArtifactsController))).resolves.toBe(
        'handled',
      );
      expect(
        refusal(httpContext(jsonBody('application/octet-stream'), putZip, ArtifactsController)).code,
      ).toBe('unsupported_media_type');
    });
  });

  it('leaves non-HTTP contexts alone', async () => {
    const context = {
      getType: () => 'rpc',
      switchToHttp: () => {
        throw new Error('not an HTTP context');
      },
    } as unknown as ExecutionContext;
    await expect(run(context)).resolves.toBe('handled');
  });
});

describe('mediaTypeMatches', () => {
  it.each([
    ['application/json', 'application/json', true],
    ['application/json', '*/*', true],
    ['text/plain', 'text/*', true],
    ['application/json', 'text/*', false],
    ['application/merge-patch+json', 'application/*+json', true],
    ['application/+json', 'application/*+json', false],
    ['application/json', 'application/*+json', false],
    ['', '*/*', false],
  ])('%s against %s → %s', (contentType, accepted, expected) => {
    expect(mediaTypeMatches(contentType, accepted)).toBe(expected);
  });
});
