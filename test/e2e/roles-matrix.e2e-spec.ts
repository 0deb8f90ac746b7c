import { randomBytes, randomUUID } from 'node:crypto';
import { ModulesContainer, Reflector } from '@nestjs/core';
import request from 'supertest';
import { PUBLIC_ROUTE, REQUIRED_ROLES, Role, satisfiesRoles } from '@hotswap/contracts';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';
import { startTestApp, type TestApp } from './support/test-app';

// Nest's route metadata key (what @Get/@Post set on a handler) and @ApiOperation's.
const PATH_METADATA = 'path';
const API_OPERATION_METADATA = 'swagger/apiOperation';

interface Operation {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  readonly operationId: string;
}

interface Handler {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly handler: Function;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly controller: Function;
}

/** Operations whose success is an endless stream: an allowed caller's answer is judged by its status line. */
const STREAMING_OPERATIONS = new Set(['streamEvents']);

const PARAMS: Record<string, () => string> = {
  id: () => randomUUID(),
  category: () => 'users',
  traceId: () => randomBytes(16).toString('hex'),
  username: () => 'admin',
  name: () => 'payment-processor',
  version: () => '2.0.0',
  deploymentId: () => randomUUID(),
};

function concrete(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = PARAMS[name];
    if (value === undefined) throw new Error(`no sample value for path parameter {${name}} in ${path}`);
    return value();
  });
}

/** Every route handler of the application, by operationId (@ApiOperation's, else the method name). */
function handlers(t: TestApp): Map<string, Handler> {
  const out = new Map<string, Handler>();
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype: Record<string, unknown> } | null;
      if (controller === null) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (
          name !== 'constructor' &&
          typeof handler === 'function' &&
          Reflect.hasMetadata(PATH_METADATA, handler)
        ) {
          const operation = Reflect.getMetadata(API_OPERATION_METADATA, handler) as
            { operationId?: string } | undefined;
          out.set(operation?.operationId ?? name, {
            handler,
            controller: controller as unknown as Handler['controller'],
          });
        }
      }
    }
  }
  return out;
}

describe('roles matrix over every route of the OpenAPI document', () => {
  let t: TestApp;
  let operations: Operation[];
  let routes: Map<string, Handler>;
  const sessions: Partial<Record<Role, Session>> = {};
  const reflector = new Reflector();

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_LOGIN: '100000', RATE_LIMIT_MUTATING: '100000', RATE_LIMIT_READS: '100000' },
    });
    const admin = await loginAdmin(t.server);
    sessions.Admin = admin;
    sessions.Deployer = await createUser(t.server, admin, 'matrix-deployer', [Role.Deployer]);
    sessions.Viewer = await createUser(t.server, admin, 'matrix-viewer', [Role.Viewer]);
    const doc = await request(t.server).get('/docs/openapi.json');
    expect(doc.status).toBe(200);
    operations = Object.entries(
      doc.body.paths as Record<string, Record<string, { operationId: string }>>,
    ).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        method: method as Operation['method'],
        path,
        operationId: op.operationId,
      })),
    );
    routes = handlers(t);
  });

  afterAll(async () => {
    await t.close();
  });

  function rule(operationId: string): { public: boolean; roles: Role[] | undefined } {
    const route = routes.get(operationId);
    if (route === undefined) throw new Error(`no handler for operation ${operationId}`);
    const targets = [route.handler, route.controller];
    return {
      public: reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets) === true,
      roles: reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets),
    };
  }

  it('documents every route handler, and every documented operation has a handler', () => {
    const documented = new Set(operations.map((o) => o.operationId));
    expect([...routes.keys()].filter((name) => !documented.has(name))).toEqual([]);
    expect(operations.filter((o) => !routes.has(o.operationId)).map((o) => o.operationId)).toEqual([]);
    expect(operations.length).toBeGreaterThan(20);
  });

  it('finds an access rule (@Public or @Roles) on every route', () => {
    const missing = operations
      .filter((o) => {
        const r = rule(o.operationId);
        return !r.public && (r.roles === undefined || r.roles.length === 0);
      })
      .map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(missing).toEqual([]);
  });

  it('answers 401 without a token and 403 with an insufficient role on every protected route', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const op of operations) {
      const r = rule(op.operationId);
      const send = (token?: Session) => {
        const req = request(t.server)[op.method](concrete(op.path));
        if (token !== undefined) void req.set(...bearer(token));
        if (STREAMING_OPERATIONS.has(op.operationId)) {
          // Resolve on the status line and hang up instead of waiting for the end of the stream.
          void req.buffer(false).parse((res, callback) => {
            callback(null, null);
            (res as unknown as { destroy(): void }).destroy();
          });
        }
        return op.method === 'get' || op.method === 'delete' ? req : req.send({});
      };
      const anonymous = await send();
      if (r.public) {
        if (anonymous.status === 401 || anonymous.status === 403)
          wrong.push(`${op.operationId}: public but ${anonymous.status}`);
        continue;
      }
      if (anonymous.status !== 401) wrong.push(`${op.operationId}: ${anonymous.status} without a token`);
      if (anonymous.headers['www-authenticate'] === undefined)
        wrong.push(`${op.operationId}: no WWW-Authenticate`);
      for (const role of [Role.Viewer, Role.Deployer, Role.Admin]) {
        const allowed = satisfiesRoles([role], r.roles ?? []);
        if (!allowed) {
          const res = await send(sessions[role]);
          checked += 1;
          if (res.status !== 403) wrong.push(`${op.operationId}: ${res.status} for ${role}, expected 403`);
        } else if (op.method === 'get') {
          const res = await send(sessions[role]);
          if (res.status === 401 || res.status === 403)
            wrong.push(`${op.operationId}: ${res.status} for ${role}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('declares 401, 403 and 429 problem+json responses on every protected operation', async () => {
    const doc = await request(t.server).get('/docs/openapi.json');
    const missing: string[] = [];
    for (const op of operations) {
      if (rule(op.operationId).public) continue;
      const responses = doc.body.paths[op.path][op.method].responses as Record<
        string,
        { content?: Record<string, unknown> }
      >;
      for (const status of ['401', '403', '429']) {
        if (responses[status]?.content?.['application/problem+json'] === undefined)
          missing.push(`${op.operationId} ${status}`);
      }
      if (doc.body.paths[op.path][op.method].security === undefined)
        missing.push(`${op.operationId} security`);
    }
    expect(missing).toEqual([]);
  });
});
