/**
 * `npm run openapi:sync` writes openapi/openapi.json from the code; `npm run openapi:check` fails when
 * the committed document differs. Neither needs a database: the application is composed in Nest's
 * preview mode, which reads routes and schemas without instantiating any provider.
 */
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@hotswap/config';
import { applyRouting } from '@hotswap/http';
import { AppModule } from '../apps/api/src/app.module';
import { appVersion } from '../apps/api/src/bootstrap';
import { buildOpenApiDocument, renderOpenApiDocument } from '../apps/api/src/openapi';

export const OPENAPI_FILE = path.join(__dirname, '..', '..', 'openapi', 'openapi.json');

/** The document the current code produces, rendered exactly as committed. */
export async function renderCurrentDocument(): Promise<string> {
  // Defaults only: the document must not depend on the machine's environment.
  const app = await NestFactory.create(AppModule.forRoot({ config: loadConfig({}) }), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    applyRouting(app);
    return renderOpenApiDocument(buildOpenApiDocument(app, appVersion()));
  } finally {
    await app.close();
  }
}

function firstDifference(a: string, b: string): string {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) {
      return `line ${i + 1}:\n  committed: ${left[i] ?? '(end of file)'}\n  code:      ${right[i] ?? '(end of file)'}`;
    }
  }
  return '(none)';
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  const fileFlag = args.indexOf('--file');
  const file =
    fileFlag >= 0 && args[fileFlag + 1] !== undefined ? path.resolve(args[fileFlag + 1] ?? '') : OPENAPI_FILE;
  const current = await renderCurrentDocument();
  if (command === 'sync') {
    await writeFile(file, current);
    console.log(`openapi:sync: wrote ${path.relative(process.cwd(), file)}`);
    return 0;
  }
  if (command === 'check') {
    const committed = await readFile(file, 'utf8').catch(() => '');
    if (committed === current) {
      console.log('openapi:check: the committed document matches the code.');
      return 0;
    }
    console.error(
      `openapi:check: ${path.relative(process.cwd(), file)} is out of date; run \`npm run openapi:sync\` and commit it.\nFirst difference at ${firstDifference(committed, current)}`,
    );
    return 1;
  }
  console.error('usage: openapi.js sync|check [--file <path>]');
  return 2;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
