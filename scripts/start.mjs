// `npm start`: compile what changed since the last build, then run the API in this process.
import { createRequire } from 'node:module';
import { build } from './build.mjs';

await build({ quiet: true });
createRequire(import.meta.url)('../dist/apps/api/src/main.js');
