import { checkManifest, MAX_DEPENDENCIES } from './manifest';

async function errorsOf(manifest: unknown, name = 'payment-processor'): Promise<string[]> {
  const result = await checkManifest(
    typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
    name,
  );
  return result.ok ? [] : [...new Set(result.errors.map((e) => e.field))];
}

describe('checkManifest', () => {
  it('accepts a complete manifest and keeps the uploaded object as it was', async () => {
    const manifest = {
      name: 'payment-processor',
      version: '2.1.0',
      description: 'd',
      author: 'a',
      entry: 'dist/index.js',
      resources: { memoryMb: 64, cpuCores: 0.5, diskMb: 0 },
      dependencies: { 'inventory-service': '^1.4.0' },
      config: { nested: { any: ['json'] } },
    };
    const result = await checkManifest(JSON.stringify(manifest), 'payment-processor');
    expect(result).toEqual({
      ok: true,
      manifest: expect.objectContaining({ version: '2.1.0' }),
      raw: manifest,
    });
  });

  it.each([
    ['not JSON', '{version', ['manifest']],
    ['an array', '[1]', ['manifest']],
    ['missing version', {}, ['manifest.version']],
    ['a bad version', { version: 'v1.0.0' }, ['manifest.version']],
    ['another module name', { name: 'inventory-service', version: '1.0.0' }, ['manifest.name']],
    ['an unknown member', { version: '1.0.0', owner: 'x' }, ['manifest.owner']],
    ['negative memory', { version: '1.0.0', resources: { memoryMb: -1 } }, ['manifest.resources.memoryMb']],
    ['an escaping entry', { version: '1.0.0', entry: '../etc/passwd.js' }, ['manifest.entry']],
    [
      'a bad dependency range',
      { version: '1.0.0', dependencies: { 'inventory-service': 'soon' } },
      ['manifest.dependencies.inventory-service'],
    ],
    [
      'a bad dependency name',
      { version: '1.0.0', dependencies: { Inventory: '^1.0.0' } },
      ['manifest.dependencies.Inventory'],
    ],
    [
      'a self-dependency',
      { version: '1.0.0', dependencies: { 'payment-processor': '^1.0.0' } },
      ['manifest.dependencies.payment-processor'],
    ],
    ['a long description', { version: '1.0.0', description: 'x'.repeat(1001) }, ['manifest.description']],
  ])('refuses %s', async (_label, manifest, fields) => {
    expect(await errorsOf(manifest)).toEqual(fields);
  });

  it('lists every problem at once', async () => {
    expect(
      (
        await errorsOf({
          name: 'x-y-z',
          version: '1.0',
          resources: { cpuCores: 0 },
          dependencies: { a: 'bad' },
        })
      ).sort(),
    ).toEqual(
      ['manifest.dependencies.a', 'manifest.name', 'manifest.resources.cpuCores', 'manifest.version'].sort(),
    );
  });

  it(`refuses more than ${MAX_DEPENDENCIES} dependencies`, async () => {
    const dependencies = Object.fromEntries(
      Array.from({ length: MAX_DEPENDENCIES + 1 }, (_, i) => [`dep-${i}`, '^1.0.0']),
    );
    expect(await errorsOf({ version: '1.0.0', dependencies })).toEqual(['manifest.dependencies']);
  });

  it('refuses a manifest nested thousands of levels deep instead of overflowing the stack', async () => {
    const deep = `{"name":"payment-processor","version":"1.0.0","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    expect(await errorsOf(deep)).toEqual(['manifest']);
  });
});
