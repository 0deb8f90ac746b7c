// `npm run dev`: rebuild on every change and restart the API (Node's --watch on the output).
import { spawn } from 'node:child_process';
import { build } from './build.mjs';

await build();
const watcher = spawn(process.execPath, ['scripts/build.mjs', '--watch'], { stdio: 'inherit' });
const api = spawn(
  process.execPath,
  ['--watch-path=dist', '--enable-source-maps', 'dist/apps/api/src/main.js'],
  {
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    watcher.kill(signal);
    api.kill(signal);
  });
}
api.on('exit', (code) => process.exit(code ?? 0));
