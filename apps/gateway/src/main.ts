import { GatewayConfigError, loadGatewayConfig } from './gateway-config';
import { startGateway } from './gateway';
import { JsonLogger } from './json-logger';

/** How long a stop may take before the process exits anyway. */
const STOP_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadGatewayConfig(process.env);
  } catch (error) {
    if (error instanceof GatewayConfigError) {
      process.stderr.write(`HotSwap event gateway cannot start. ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new JsonLogger(config.logLevel, 'EventGateway');
  const gateway = await startGateway(config, logger);
  logger.info({ msg: 'HotSwap event gateway listening', host: config.host, port: gateway.port });
  const shutdown = (signal: string): void => {
    logger.info({ msg: 'stopping', signal });
    setTimeout(() => process.exit(0), STOP_GRACE_MS).unref();
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ msg: 'stop failed', err: error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `HotSwap event gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
