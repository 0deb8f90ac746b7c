import 'reflect-metadata';
import { InvalidConfigError, loadConfig } from '@hotswap/config';
import { runServer } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof InvalidConfigError) {
      process.stderr.write(`HotSwap cannot start. ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  await runServer({ config });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `HotSwap failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
