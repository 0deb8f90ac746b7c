import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LoadedModule, ModuleCallError } from './module-host';

const SAMPLES = path.join(__dirname, '..', '..', '..', 'samples', 'modules');

function sample(name: string, version: string): { code: string; manifest: Record<string, unknown> } {
  const dir = path.join(SAMPLES, name, version);
  return {
    code: readFileSync(path.join(dir, 'index.js'), 'utf8'),
    manifest: JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>,
  };
}

describe('LoadedModule', () => {
  const loaded: LoadedModule[] = [];
  afterEach(async () => {
    await Promise.all(loaded.splice(0).map((m) => m.terminate()));
  });

  async function load(code: string, config: Record<string, unknown> = {}, callTimeoutMs = 2_000) {
    const module = await LoadedModule.load({ id: 'test@1.0.0', code, config, callTimeoutMs });
    loaded.push(module);
    return module;
  }

  it.each([
    ['payment-processor', '2.0.0'],
    ['payment-processor', '2.1.0'],
    ['inventory-service', '1.4.0'],
  ])('loads the sample %s@%s in a worker thread and it answers health()', async (name, version) => {
    const { code, manifest } = sample(name, version);
    const module = await load(code, manifest.config as Record<string, unknown>);
    expect((await module.health()).status).toBe('healthy');
  });

  it('passes the manifest config to init() and serves requests from the loaded version', async () => {
    const { code, manifest } = sample('payment-processor', '2.1.0');
    const module = await load(code, manifest.config as Record<string, unknown>);
    const answer = (await module.handle({
      op: 'authorize',
      amount: 100,
      currency: 'GBP',
      cardToken: 'abc',
    })) as {
      version: string;
      fraudScore: number;
    };
    expect(answer.version).toBe('2.1.0');
    expect(answer.fraudScore).toBeGreaterThanOrEqual(0);
    const unsupported = (await module.handle({ op: 'authorize', amount: 100, currency: 'JPY' })) as {
      approved: boolean;
    };
    expect(unsupported.approved).toBe(false);
  });

  it('runs two versions side by side, each with its own state (the hot swap)', async () => {
    const v1 = await load(
      'let n = 0; module.exports = { handle() { n += 1; return n; }, health() { return { status: "healthy" }; } };',
    );
    const v2 = await load(
      'let n = 100; module.exports = { handle() { n += 1; return n; }, health() { return { status: "healthy" }; } };',
    );
    expect(await v1.handle({})).toBe(1);
    expect(await v2.handle({})).toBe(101);
    await v1.dispose();
    expect(await v2.handle({})).toBe(102);
    await expect(v1.handle({})).rejects.toBeInstanceOf(ModuleCallError);
  });

  it('refuses a bundle that requires anything but Node built-ins', async () => {
    await expect(load('const x = require("left-pad"); module.exports = {};')).rejects.toThrow(
      /only require Node built-ins/,
    );
  });

  it('reports a failing init() and leaves nothing running', async () => {
    await expect(load('module.exports = { init() { throw new Error("no config"); } };')).rejects.toThrow(
      /init\(\): no config/,
    );
  });

  it('counts a throwing, slow or malformed health() as unhealthy', async () => {
    const throwing = await load('module.exports = { health() { throw new Error("db down"); } };');
    expect(await throwing.health()).toEqual({
      status: 'unhealthy',
      details: { reason: expect.stringContaining('db down') },
    });
    const slow = await load('module.exports = { health() { return new Promise(() => {}); } };', {}, 200);
    expect((await slow.health()).status).toBe('unhealthy');
    const malformed = await load('module.exports = { health() { return "ok"; } };');
    expect((await malformed.health()).status).toBe('unhealthy');
  });

  it('survives a module stuck in an endless loop: the call times out and the worker can be terminated', async () => {
    const stuck = await load('module.exports = { handle() { for (;;) {} } };', {}, 300);
    await expect(stuck.handle({})).rejects.toThrow(/no answer within 300 ms/);
    await stuck.terminate();
  });
});
