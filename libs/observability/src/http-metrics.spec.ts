import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Histogram, Registry } from 'prom-client';
import { HttpMetricsMiddleware, isRouted, routeTemplate, UNMATCHED_ROUTE } from './http-metrics';

interface FakeRequestInit {
  readonly method?: string;
  readonly url?: string;
  readonly route?: { path?: unknown };
  readonly baseUrl?: string;
}

function request(init: FakeRequestInit = {}): IncomingMessage {
  return { headers: {}, ...init } as unknown as IncomingMessage;
}

class FakeResponse extends EventEmitter {
  statusCode = 200;
}

describe('routeTemplate', () => {
  it('labels a request that matched no route as unmatched', () => {
    expect(routeTemplate(request({ url: '/no/such/path' }))).toBe(UNMATCHED_ROUTE);
    expect(UNMATCHED_ROUTE).toBe('unmatched');
  });

  it('labels Nest’s not-found wildcard route as unmatched', () => {
    expect(routeTemplate(request({ baseUrl: '/api/v1', route: { path: '*path' } }))).toBe(UNMATCHED_ROUTE);
  });

  it('labels a route whose path is not a string as unmatched', () => {
    expect(routeTemplate(request({ route: { path: /^\/regex/ } }))).toBe(UNMATCHED_ROUTE);
  });

  it('joins the mount path and the route template, never the raw URL', () => {
    const req = request({
      url: '/api/v1/deployments/42?x=1',
      baseUrl: '/api/v1',
      route: { path: '/deployments/:id' },
    });
    expect(routeTemplate(req)).toBe('/api/v1/deployments/:id');
  });

  it('uses the route path alone when there is no mount path', () => {
    expect(routeTemplate(request({ route: { path: '/api/v1/deployments/:id' } }))).toBe(
      '/api/v1/deployments/:id',
    );
  });
});

describe('isRouted', () => {
  it('is true only for requests that reached an application route', () => {
    expect(isRouted(request({ route: { path: '/health/live' } }))).toBe(true);
    expect(isRouted(request({ route: { path: '*path' } }))).toBe(false);
    expect(isRouted(request())).toBe(false);
  });
});

describe('HttpMetricsMiddleware', () => {
  let registry: Registry;
  let histogram: Histogram<'method' | 'route' | 'status_code'>;
  let middleware: HttpMetricsMiddleware;

  beforeEach(() => {
    registry = new Registry();
    histogram = new Histogram({
      name: 'test_http_request_duration_seconds',
      help: 'test',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.1, 0.5, 1],
      registers: [registry],
    });
    middleware = new HttpMetricsMiddleware(histogram);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  async function countSamples(): Promise<{ labels: Record<string, string | number>; value: number }[]> {
    const metric = await histogram.get();
    return metric.values
      .filter((v) => v.metricName === 'test_http_request_duration_seconds_count')
      .map((v) => ({ labels: { ...v.labels }, value: v.value }));
  }

  async function sum(): Promise<number | undefined> {
    const metric = await histogram.get();
    return metric.values.find((v) => v.metricName === 'test_http_request_duration_seconds_sum')?.value;
  }

  it('calls the next handler straight away', () => {
    const next = jest.fn();
    middleware.use(request(), new FakeResponse() as unknown as ServerResponse, next);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it('observes nothing until the response finishes', async () => {
    middleware.use(request({ method: 'GET' }), new FakeResponse() as unknown as ServerResponse, () => {});
    expect(await countSamples()).toEqual([]);
  });

  it('observes one sample labelled with method, route template and final status code', async () => {
    const req = request({ method: 'POST', url: '/api/v1/deployments/42', baseUrl: '/api/v1' });
    const res = new FakeResponse();
    middleware.use(req, res as unknown as ServerResponse, () => {});

    // Routing and the handler run after the middleware: the route and status are read at finish time.
    Object.assign(req, { route: { path: '/deployments/:id' } });
    res.statusCode = 201;
    res.emit('finish');

    expect(await countSamples()).toEqual([
      { labels: { method: 'POST', route: '/api/v1/deployments/:id', status_code: '201' }, value: 1 },
    ]);
  });

  it('labels unrouted requests as unmatched so raw paths never become series', async () => {
    const res = new FakeResponse();
    res.statusCode = 404;
    middleware.use(
      request({ method: 'GET', url: '/random/123' }),
      res as unknown as ServerResponse,
      () => {},
    );
    res.emit('finish');
    expect(await countSamples()).toEqual([
      { labels: { method: 'GET', route: 'unmatched', status_code: '404' }, value: 1 },
    ]);
  });

  it('labels a request without a method as UNKNOWN', async () => {
    const res = new FakeResponse();
    middleware.use(request(), res as unknown as ServerResponse, () => {});
    res.emit('finish');
    expect((await countSamples())[0]?.labels.method).toBe('UNKNOWN');
  });

  it('observes a response only once even if finish fires twice', async () => {
    const res = new FakeResponse();
    middleware.use(request({ method: 'GET' }), res as unknown as ServerResponse, () => {});
    res.emit('finish');
    res.emit('finish');
    expect((await countSamples())[0]?.value).toBe(1);
  });

  it('records the time between the request and the end of its response, in seconds', async () => {
    jest.useFakeTimers();
    const res = new FakeResponse();
    middleware.use(request({ method: 'GET' }), res as unknown as ServerResponse, () => {});
    jest.advanceTimersByTime(300);
    res.emit('finish');
    expect(await sum()).toBeCloseTo(0.3, 3);
  });
});
