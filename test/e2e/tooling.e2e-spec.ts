import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './support/processes';

const OPENAPI = path.join(ROOT, 'openapi', 'openapi.json');
const CLI = path.join(ROOT, 'dist', 'scripts', 'openapi.js');

function run(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('openapi:check', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hotswap-openapi-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes on the committed document, which is what sync writes', async () => {
    expect(run(['check'])).toEqual(expect.objectContaining({ status: 0 }));
    const synced = path.join(dir, 'synced.json');
    expect(run(['sync', '--file', synced]).status).toBe(0);
    expect(await readFile(synced, 'utf8')).toBe(await readFile(OPENAPI, 'utf8'));
  });

  it('fails, pointing at the first difference, when the document drifts from the code', async () => {
    const document = JSON.parse(await readFile(OPENAPI, 'utf8')) as { paths: Record<string, unknown> };
    const { ['/health/live']: _removed, ...paths } = document.paths;
    const tampered = path.join(dir, 'tampered.json');
    await writeFile(tampered, `${JSON.stringify({ ...document, paths }, null, 2)}\n`);
    const result = run(['check', '--file', tampered]);
    expect(result.status).toBe(1);
    expect(result.output).toContain('out of date');
    expect(result.output).toContain('npm run openapi:sync');
  });
});
