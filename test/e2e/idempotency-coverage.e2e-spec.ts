import { RequestMethod } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { IDEMPOTENCY_EXEMPT, IDEMPOTENT_ROUTE } from '@hotswap/coordination';
import request from 'supertest';
import { bearer, loginAdmin } from './support/auth';
import { startTestApp, type TestApp } from './support/test-app';

// Nest's route metadata keys (`@Controller(path)`, `@Post(path)` …), as @nestjs/common sets them.
const PATH_METADATA = 'path';
const METHOD_METADATA = 'method';
const MUTATING = new Map<RequestMethod, string>([
  [RequestMethod.POST, 'POST'],
  [RequestMethod.PUT, 'PUT'],
  [RequestMethod.PATCH, 'PATCH'],
  [RequestMethod.DELETE, 'DELETE'],
]);

interface MutatingRoute {
  readonly route: string;
  readonly handler: string;
  readonly idempotent: boolean;
  readonly exemptReason: string | undefined;
}

function joinPath(prefix: unknown, path: unknown): string {
  const first = Array.isArray(prefix) ? String(prefix[0] ?? '') : typeof prefix === 'string' ? prefix : '';
  const second = Array.isArray(path) ? String(path[0] ?? '') : typeof path === 'string' ? path : '';
  return `/${[first, second]
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/')}`;
}

/** Every POST/PUT/PATCH/DELETE route of the running application, with its idempotency metadata. */
function mutatingRoutes(t: TestApp): MutatingRoute[] {
  const discovery = t.app.get(DiscoveryService);
  const scanner = new MetadataScanner();
  const out: MutatingRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (typeof controller !== 'function') continue;
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const verb = method === undefined ? undefined : MUTATING.get(method);
      if (verb === undefined) continue;
      const marked = (key: symbol): unknown =>
        (Reflect.getMetadata(key, handler) as unknown) ?? (Reflect.getMetadata(key, controller) as unknown);
      const exempt = marked(IDEMPOTENCY_EXEMPT);
      out.push({
        route: `${verb} /api/v1${joinPath(Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler))}`,
        handler: `${controller.name}.${name}`,
        idempotent: marked(IDEMPOTENT_ROUTE) === true,
        exemptReason: typeof exempt === 'string' ? exempt : undefined,
      });
    }
  }
  return out;
}

/**
 * Issue 4: every mutating route honours `Idempotency-Key` (`@Idempotent()`), or says why not
 * (`@IdempotencyExempt(reason)`). Routes added later are caught here.
 */
describe('Idempotency-Key coverage of the mutating routes (whole app)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ imports: [DiscoveryModule], env: { FLEET_SIMULATION: 'false' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('finds the mutating routes of the application', () => {
    const routes = mutatingRoutes(t).map((r) => r.route);
    // The walk itself must see routes, or the checks below would pass vacuously.
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/v1/deployments',
        'POST /api/v1/authentication/login',
        'DELETE /api/v1/nodes/:id',
        'PATCH /api/v1/users/:id',
      ]),
    );
  });

  it('every POST/PUT/PATCH/DELETE route is @Idempotent() or @IdempotencyExempt(reason)', () => {
    const problems = mutatingRoutes(t).flatMap((r) => {
      if (r.idempotent && r.exemptReason !== undefined)
        return [`${r.route} (${r.handler}) is both @Idempotent() and @IdempotencyExempt(): keep one`];
      if (r.idempotent || r.exemptReason !== undefined) return [];
      return [
        `${r.route} (${r.handler}) does not honour Idempotency-Key: add @Idempotent() from @hotswap/coordination to the handler, or @IdempotencyExempt('<why>') if a replay must not be stored (e.g. the response carries a one-time secret)`,
      ];
    });
    expect(problems).toEqual([]);
  });

  it('a route newly marked @Idempotent() honours the key (POST /environments: one effect, replay, 422)', async () => {
    const admin = await loginAdmin(t.server);
    const create = (body: Record<string, unknown>) =>
      request(t.server)
        .post('/api/v1/environments')
        .set(...bearer(admin))
        .set('Idempotency-Key', 'env-create-1')
        .send(body);
    const first = await create({ name: 'Canary-EU', rank: 35 });
    expect(first.status).toBe(201);
    // Without the key honoured this second request would be a 409 (the name exists).
    const second = await create({ name: 'Canary-EU', rank: 35 });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const different = await create({ name: 'Canary-US', rank: 36 });
    expect(different.status).toBe(422);
    const list = await request(t.server)
      .get('/api/v1/environments')
      .set(...bearer(admin));
    const names = (list.body as { name: string }[]).map((e) => e.name);
    expect(names.filter((n) => n.startsWith('Canary-'))).toEqual(['Canary-EU']);
  });
});
