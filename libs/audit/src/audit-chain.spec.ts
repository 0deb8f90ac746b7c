import {
  canonicalRecord,
  chainHash,
  checkLink,
  contentDigest,
  GENESIS_HASH,
  redactDetails,
  type ChainedContent,
  type StoredLink,
} from './audit-chain';

const base: ChainedContent = {
  occurredAt: new Date('2030-01-01T00:00:00.000Z'),
  category: 'authentication',
  action: 'auth.login',
  result: 'success',
  actorId: 'u1',
  actorKind: 'user',
  actorName: 'admin',
  resourceType: 'user',
  resourceId: 'u1',
  ip: '127.0.0.1',
  userAgent: 'test',
  traceId: 'a'.repeat(32),
  details: { b: 1, a: { d: 2, c: 3 } },
};

function chain(n: number): StoredLink[] {
  const out: StoredLink[] = [];
  let previous = GENESIS_HASH;
  for (let i = 0; i < n; i++) {
    const content = { ...base, details: { i } };
    const hash = chainHash(previous, content);
    out.push({
      ...content,
      seq: String(i + 1),
      contentHash: contentDigest(content),
      previousHash: previous,
      hash,
    });
    previous = hash;
  }
  return out;
}

function verify(records: StoredLink[]): string | undefined {
  return records.reduce(checkLink, { expectedPrevious: undefined, brokenAt: undefined }).brokenAt;
}

describe('audit hash chain', () => {
  it('is canonical whatever the key order of the details', () => {
    const reordered = { ...base, details: { a: { c: 3, d: 2 }, b: 1 } };
    expect(canonicalRecord(reordered)).toBe(canonicalRecord(base));
    expect(chainHash(GENESIS_HASH, reordered)).toBe(chainHash(GENESIS_HASH, base));
  });

  it('hashes sha256(previousHash || canonical record)', () => {
    expect(chainHash(GENESIS_HASH, base)).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash('1'.repeat(64), base)).not.toBe(chainHash(GENESIS_HASH, base));
  });

  it('verifies an intact chain, also when older records were removed by retention', () => {
    expect(verify(chain(5))).toBeUndefined();
    expect(verify(chain(5).slice(2))).toBeUndefined();
  });

  it.each<[string, (records: StoredLink[]) => StoredLink[]]>([
    ['an altered field', (r) => r.map((x) => (x.seq === '3' ? { ...x, actorName: 'mallory' } : x))],
    ['altered details', (r) => r.map((x) => (x.seq === '3' ? { ...x, details: { i: 99 } } : x))],
    [
      'a recomputed hash',
      (r) =>
        r.map((x) =>
          x.seq === '3'
            ? { ...x, result: 'failure', hash: chainHash(x.previousHash, { ...x, result: 'failure' }) }
            : x,
        ),
    ],
    ['a removed record', (r) => r.filter((x) => x.seq !== '3')],
    ['swapped records', (r) => [r[0], r[1], r[3], r[2], r[4]] as StoredLink[]],
  ])('reports %s', (_case, tamper) => {
    expect(verify(tamper(chain(5)))).toBeDefined();
  });

  it('redacts secret-looking keys at any depth', () => {
    expect(
      redactDetails({
        username: 'a',
        password: 'p',
        nested: { refreshToken: 't', list: [{ apiTokenHash: 'h' }] },
      }),
    ).toEqual({
      username: 'a',
      password: '[REDACTED]',
      nested: { refreshToken: '[REDACTED]', list: [{ apiTokenHash: '[REDACTED]' }] },
    });
  });

  it.each([
    'PASSWORD',
    'API_TOKEN',
    'client-secret',
    'private_key',
    'privateKey',
    'Authorization',
    'x.cookies',
  ])('redacts %s (any word case and separator)', (key) => {
    expect(redactDetails({ [key]: 'value' })).toEqual({ [key]: '[REDACTED]' });
  });

  it.each(['passed', 'bypass', 'hashed', 'tokenizer', 'signed', 'keyId'])(
    'keeps %s: a word that merely contains a secret word is not one',
    (key) => {
      expect(redactDetails({ [key]: true })).toEqual({ [key]: true });
    },
  );
});
