import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from './test-app';
import { TEST_ADMIN_PASSWORD } from './test-app';

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly userId: string;
}

type Server = TestApp['server'];

export async function login(server: Server, username: string, password: string): Promise<Session> {
  const res = await request(server).post('/api/v1/authentication/login').send({ username, password });
  if (res.status !== 200)
    throw new Error(`login as ${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken, userId: res.body.user.id };
}

export function loginAdmin(server: Server): Promise<Session> {
  return login(server, 'admin', TEST_ADMIN_PASSWORD);
}

/** Creates a user through the API (as `admin`) and logs it in. */
export async function createUser(
  server: Server,
  admin: Session,
  username: string,
  roles: string[],
  password = `Kx93!qLm-${randomBytes(6).toString('hex')}`,
): Promise<Session & { password: string }> {
  const res = await request(server)
    .post('/api/v1/users')
    .set('Authorization', `Bearer ${admin.accessToken}`)
    .send({ username, password, roles, email: `${username}@example.com`, fullName: username });
  if (res.status !== 201)
    throw new Error(`creating ${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...(await login(server, username, password)), password };
}

export function bearer(session: { accessToken: string } | string): [string, string] {
  return ['Authorization', `Bearer ${typeof session === 'string' ? session : session.accessToken}`];
}
