// The real server entry point plus the test-only probe routes, for process-level tests
// (signals, restarts) that need an in-flight request to hold open.
import 'reflect-metadata';
import { InvalidConfigError, loadConfig } from '@hotswap/config';
import { runServer } from '../../../apps/api/src/bootstrap';
import { ProbeModule } from './probe.module';

async function main(): Promise<void> {
  try {
    await runServer({ config: loadConfig(), imports: [ProbeModule] });
  } catch (error) {
    if (error instanceof InvalidConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}

void main();
