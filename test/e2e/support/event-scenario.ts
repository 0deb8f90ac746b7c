import { Client } from 'pg';
import request from 'supertest';
import { bearer, createUser, loginAdmin, type Session } from './auth';
import type { SseMessage } from './event-clients';
import { sample } from './module-fixtures';
import type { TestApp } from './test-app';

/** The `data` of an SSE event: the same envelope as the WebSocket's `{ seq, type, at, data }`. */
export function payload(m: SseMessage): Record<string, unknown> {
  return m.data.data as Record<string, unknown>;
}

/** Commits one event straight into the log (a QA node's status), returning its seq. */
export const INSERT_EVENT = `INSERT INTO events (type, environment, payload) VALUES ('node.status_changed', 'qa', $1::jsonb) RETURNING seq::text`;

export interface EventScenario {
  readonly admin: Session;
  readonly deployer: Session;
  readonly viewer: Session;
  /** A user with no role at all. */
  readonly nobody: Session;
  /** A direct connection to the app's database. */
  readonly db: Client;
}

/**
 * What the live-event suites start from: the app listening on a port (streams need real sockets), a
 * user per role, a database connection, and payment-processor 2.0.0 published.
 */
export async function prepareEventScenario(t: TestApp): Promise<EventScenario> {
  const admin = await loginAdmin(t.server);
  const deployer = await createUser(t.server, admin, 'dana', ['Deployer']);
  const viewer = await createUser(t.server, admin, 'vera', ['Viewer']);
  const nobody = await createUser(t.server, admin, 'nora', []);
  await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', () => resolve()));
  const db = new Client({ connectionString: t.database.url });
  await db.connect();
  const s = sample('payment-processor', '2.0.0');
  const res = await request(t.server)
    .post('/api/v1/modules/payment-processor/versions')
    .set(...bearer(admin))
    .field('manifest', s.manifestText)
    .attach('artifact', s.artifact, { filename: 'index.js', contentType: 'application/javascript' });
  if (res.status !== 201) throw new Error(`publishing the sample answered ${res.status}`);
  return { admin, deployer, viewer, nobody, db };
}
