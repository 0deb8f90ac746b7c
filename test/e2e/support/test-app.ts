import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@hotswap/config';
import type { Clock } from '@hotswap/contracts';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { register } from 'prom-client';
import { createApp } from '../../../apps/api/src/bootstrap';
import { SCHEMA } from '../../../apps/api/src/schema';

/** Collects the JSON log lines the application writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0),
    );
    callback();
  }

  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestApp {
  readonly app: NestExpressApplication;
  readonly server: ReturnType<NestExpressApplication['getHttpServer']>;
  readonly logs: LogCapture;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/** The bootstrap admin's password in test apps (HOTSWAP_ADMIN_PASSWORD). */
export const TEST_ADMIN_PASSWORD = 'Vq8#rT2!mW5z-bootstrap';

/** The whole application on a database of the test file's own, configured as in production code. */
export async function startTestApp(
  options: {
    env?: Record<string, string>;
    imports?: ModuleMetadata['imports'];
    clock?: Clock;
    /** Another app's database (a second replica); dropped by its owner, not by this app. */
    sharedDatabase?: TestDatabase;
  } = {},
): Promise<TestApp> {
  // Metrics live in prom-client's global registry; a second app in one test file registers them anew.
  register.clear();
  const database = options.sharedDatabase ?? (await createTestDatabase(SCHEMA));
  const ownsDatabase = options.sharedDatabase === undefined;
  const logs = new LogCapture();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    HOTSWAP_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ...options.env,
  });
  try {
    const app = await createApp({
      config,
      logDestination: logs,
      imports: options.imports,
      clock: options.clock,
    });
    return {
      app,
      server: app.getHttpServer(),
      logs,
      database,
      close: async () => {
        await app.close();
        if (ownsDatabase) await database.drop();
      },
    };
  } catch (error) {
    if (ownsDatabase) await database.drop();
    throw error;
  }
}
