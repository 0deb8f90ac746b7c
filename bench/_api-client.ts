/**
 * A small HTTP client of the HotSwap API for benches: login as the bootstrap admin, JSON requests,
 * module publishing; and scratch databases on the bench's PostgreSQL server.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import { delay, type RunningApi } from './_shared';

export interface Scratch {
  readonly name: string;
  readonly url: string;
}

/** Creates `hotswap_bench_<bench>_<pid>_<suffix>` next to the admin database. */
export async function createScratch(
  admin: Client,
  adminUrl: string,
  bench: string,
  suffix: string,
): Promise<Scratch> {
  const name = `hotswap_bench_${bench}_${process.pid}_${suffix}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropScratch(admin: Client, scratch: Scratch): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS "${scratch.name}" WITH (FORCE)`).catch(() => undefined);
}

export class BenchApi {
  private token = '';

  constructor(
    readonly running: RunningApi,
    private readonly password: string,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.running.port}`;
  }

  /** The `Authorization` header value of the logged-in admin. */
  get authorization(): string {
    return `Bearer ${this.token}`;
  }

  async login(): Promise<void> {
    const res = await fetch(`${this.base}/api/v1/authentication/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: this.password }),
    });
    if (res.status !== 200) throw new Error(`login answered ${res.status}`);
    this.token = ((await res.json()) as { accessToken: string }).accessToken;
  }

  async send(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.base}${pathname}`, {
      method,
      headers: {
        authorization: this.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  }

  async publish(moduleName: string, version: string): Promise<void> {
    const form = new FormData();
    form.set('manifest', JSON.stringify({ version }));
    form.set(
      'artifact',
      new Blob([`module.exports = {}; // ${moduleName} ${version}`], { type: 'application/javascript' }),
      'index.js',
    );
    const res = await fetch(`${this.base}/api/v1/modules/${moduleName}/versions`, {
      method: 'POST',
      headers: { authorization: this.authorization },
      body: form,
    });
    if (res.status !== 201)
      throw new Error(`publish ${moduleName}@${version}: ${res.status} ${await res.text()}`);
  }

  /** Creates a deployment; its id. */
  async deploy(body: Record<string, unknown>): Promise<string> {
    const res = await this.send('POST', '/api/v1/deployments', body);
    if (res.status !== 202) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
    return (res.body as { id: string }).id;
  }
}

const FINISHED = ['Succeeded', 'Failed', 'RolledBack', 'Cancelled'];

/** Polls the deployment's row until it is finished (or paused); its status. */
export async function waitForFinish(db: Client, id: string, timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const row = await db.query<{ status: string; status_reason: string | null }>(
      'SELECT status, status_reason FROM deployments WHERE id = $1',
      [id],
    );
    const status = row.rows[0]?.status;
    if (status !== undefined && (FINISHED.includes(status) || status === 'Paused')) return status;
    if (performance.now() > deadline) throw new Error(`deployment ${id} still ${status ?? '?'}`);
    await delay(25);
  }
}
