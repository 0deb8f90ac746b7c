// Compiles apps/, libs/, scripts/ and test fixtures to dist/ with SWC (type checking is `npm run
// typecheck`). `@hotswap/<lib>` imports are rewritten to relative paths, so the output runs with
// plain `node`. Only changed files are recompiled; `--watch` keeps recompiling on change.
import { readdir, stat, mkdir, writeFile, rm, readFile } from 'node:fs/promises';
import { watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformFile } from '@swc/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist');
const sourceDirs = ['apps', 'libs', 'scripts', 'bench', 'test/e2e/support'];
const skip = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;

async function libPaths() {
  const libs = await readdir(path.join(root, 'libs'));
  return Object.fromEntries(libs.map((lib) => [`@hotswap/${lib}`, [`libs/${lib}/src/index.ts`]]));
}

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.name.endsWith('.ts') && !skip.test(entry.name)) yield full;
  }
}

async function mtime(file) {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return -1;
  }
}

async function compile(file, paths) {
  const relative = path.relative(root, file);
  const target = path.join(outDir, relative.replace(/\.ts$/, '.js'));
  const output = await transformFile(file, {
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths,
    },
    module: { type: 'commonjs', strictMode: true },
  });
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, `${output.code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
  if (output.map) await writeFile(`${target}.map`, output.map);
  return target;
}

export async function build({ clean = false, quiet = false } = {}) {
  const started = Date.now();
  if (clean) await rm(outDir, { recursive: true, force: true });
  const paths = await libPaths();
  const jobs = [];
  for (const dir of sourceDirs) {
    for await (const file of walk(path.join(root, dir))) {
      const target = path.join(outDir, path.relative(root, file).replace(/\.ts$/, '.js'));
      if ((await mtime(target)) < (await mtime(file))) jobs.push(compile(file, paths));
    }
  }
  await Promise.all(jobs);
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  await writeFile(path.join(outDir, 'build-info.json'), JSON.stringify({ version: pkg.version }));
  if (!quiet) console.error(`build: ${jobs.length} file(s) compiled in ${Date.now() - started} ms`);
  return jobs.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  await build({ clean: args.has('--clean') });
  if (args.has('--watch')) {
    let timer;
    for (const dir of sourceDirs) {
      watch(path.join(root, dir), { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => build().catch((e) => console.error(e)), 100);
      });
    }
  }
}
