import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type * as Testing from '@hotswap/testing';
import type * as Schema from '../../apps/api/src/schema';

/**
 * Once per run: compile dist/ (process-level tests run it) and prepare the test databases. Jest does
 * not apply its module mapping to this file, so it uses the freshly compiled code.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.join(__dirname, '..', '..');
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  const dist = path.join(root, 'dist');
  const testing = (await import(path.join(dist, 'libs', 'testing', 'src', 'index.js'))) as typeof Testing;
  const { SCHEMA } = (await import(path.join(dist, 'apps', 'api', 'src', 'schema.js'))) as typeof Schema;
  await testing.prepareTestDatabases(SCHEMA);
}
