/**
 * `npm run bench -- <name> [args…]` — runs the bench `bench/<name>.ts` (compiled to
 * `dist/bench/<name>.js`), prints its figures and budgets with the machine it ran on, and exits
 * 0 when every budget is met, 1 when one is missed or the bench fails, 2 on a usage error (no name or
 * an unknown one: the available benches are listed).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { formatResult, installCleanup, isBenchResult, machineInfo, type BenchRun } from '../bench/_shared';

/** Compiled benches (this file runs as dist/scripts/bench.js). */
const COMPILED_DIR = path.join(__dirname, '..', 'bench');
/** Their sources, which define what is available (files starting with `_` are shared helpers). */
const SOURCE_DIR = path.join(__dirname, '..', '..', 'bench');

function benchNames(): string[] {
  const [dir, ext] = existsSync(SOURCE_DIR) ? [SOURCE_DIR, '.ts'] : [COMPILED_DIR, '.js'];
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith(ext) && !f.endsWith(`.d${ext}`) && !f.startsWith('_') && !f.includes('.spec.'))
    .map((f) => f.slice(0, -ext.length))
    .sort();
}

function usage(names: string[]): string {
  return [
    'usage: npm run bench -- <name> [args…]',
    names.length > 0 ? `available benches: ${names.join(', ')}` : 'no benches found in bench/',
  ].join('\n');
}

/** Only the shape can be checked before the call; the result is validated with isBenchResult. */
function isBenchRun(value: unknown): value is BenchRun {
  return typeof value === 'function';
}

function runExport(module: unknown): BenchRun | undefined {
  if (typeof module !== 'object' || module === null || !('run' in module)) return undefined;
  return isBenchRun(module.run) ? module.run : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const names = benchNames();
  if (name === undefined || name === '' || name === '--help' || name === '-h') {
    process.stderr.write(`${usage(names)}\n`);
    return 2;
  }
  if (!names.includes(name)) {
    process.stderr.write(`unknown bench "${name}"\n${usage(names)}\n`);
    return 2;
  }
  const file = path.join(COMPILED_DIR, `${name}.js`);
  if (!existsSync(file)) {
    process.stderr.write(`${file} is missing: compile with node scripts/build.mjs (npm run bench does)\n`);
    return 2;
  }
  const module: unknown = await import(file);
  const run = runExport(module);
  if (run === undefined) {
    process.stderr.write(`bench/${name}.ts does not export run(args): Promise<BenchResult>\n`);
    return 2;
  }
  installCleanup();
  // Before the bench runs: it may pin this process to one CPU, which would hide the others.
  const machine = machineInfo();
  let result: unknown;
  try {
    result = await run(args);
  } catch (error) {
    process.stderr.write(
      `bench ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
  if (!isBenchResult(result)) {
    process.stderr.write(`bench ${name} returned something that is not a BenchResult\n`);
    return 1;
  }
  process.stdout.write(`${formatResult(result, machine)}\n`);
  return result.budgets.every((b) => b.ok) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
