import request from 'supertest';
import { bearer, type Session } from './auth';

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'Succeeded',
  'Failed',
  'RolledBack',
  'Cancelled',
]);

type Server = Parameters<typeof request>[0];

/**
 * `GET /deployments/{id}` as `session`, and polling it until `done` (by default: a terminal status).
 * Getters, because the server and session of a suite are made in its `beforeAll`. `D` is the caller's
 * view of the answer.
 */
export function deploymentReads<D extends { status: string; statusReason?: string | null }>(
  server: () => Server,
  session: () => Session,
): {
  detail: (id: string) => Promise<D>;
  settle: (id: string, done?: (d: D) => boolean) => Promise<D>;
} {
  async function detail(id: string): Promise<D> {
    const res = await request(server())
      .get(`/api/v1/deployments/${id}`)
      .set(...bearer(session()));
    expect(res.status).toBe(200);
    return res.body as D;
  }

  async function settle(id: string, done = (d: D) => TERMINAL_STATUSES.has(d.status)): Promise<D> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const d = await detail(id);
      if (done(d)) return d;
      if (Date.now() > deadline)
        throw new Error(`deployment ${id} still ${d.status}: ${d.statusReason ?? ''} ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  return { detail, settle };
}
