import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { configureHttp, installFallbackHandlers } from '@hotswap/http';
import { ProcessLifecycle } from '@hotswap/observability';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { buildOpenApiDocument, setupDocs } from './openapi';

const MAX_HEADER_BYTES = 64 * 1024;

export function appVersion(): string {
  for (const candidate of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(path.join(__dirname, candidate), 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') {
        return pkg.version;
      }
    } catch {
      // try the next location (source tree or dist/)
    }
  }
  return '0.0.0';
}

/** Builds the fully configured application (not yet listening). Tests use exactly this. */
export async function createApp(options: AppModuleOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // Agents' WebSocket sessions (`/agent`) share the HTTP server.
  app.useWebSocketAdapter(new WsAdapter(app));
  // Node's default (16 KiB) would answer an oversized bearer token with a bare 431; with room to
  // spare, the auth guard refuses it with the usual 401 problem document instead.
  (app.getHttpServer() as { maxHeaderSize?: number }).maxHeaderSize = MAX_HEADER_BYTES;
  configureHttp(app, options.config);
  if (options.config.docsEnabled) setupDocs(app, buildOpenApiDocument(app, appVersion()));
  await app.init();
  installFallbackHandlers(app, options.config.isDevelopment);
  return app;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts the server and wires the signals: on SIGTERM or SIGINT readiness turns 503 at once, new
 * work keeps being answered for the drain period (so load balancers notice), then the server stops
 * accepting, in-flight requests finish, resources close, and the process exits 0 — or 1 if all
 * that did not happen within SHUTDOWN_TIMEOUT_MS.
 */
export async function runServer(options: AppModuleOptions): Promise<NestExpressApplication> {
  const { config } = options;
  const app = await createApp(options);
  const logger = app.get(Logger);
  const lifecycle = app.get(ProcessLifecycle);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    lifecycle.beginShutdown();
    logger.log({ msg: 'shutdown started', signal, timeoutMs: config.shutdownTimeoutMs }, 'Lifecycle');
    const deadline = setTimeout(() => {
      logger.error({ msg: 'shutdown did not finish in time; exiting', timeoutMs: config.shutdownTimeoutMs });
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    void delay(config.shutdownDrainMs)
      .then(() => app.close())
      .then(() => {
        logger.log({ msg: 'shutdown complete' }, 'Lifecycle');
        clearTimeout(deadline);
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ msg: 'shutdown failed', err: error }, 'Lifecycle');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  logger.log({ msg: 'HotSwap API listening', host: config.host, port, version: appVersion() }, 'Lifecycle');
  return app;
}
