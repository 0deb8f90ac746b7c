import { corsPolicy, isCorsOrigin, splitCorsOrigins } from './cors';

describe('CORS rules (CORS_ORIGINS)', () => {
  it('splits the list, trimming blanks and dropping empty entries', () => {
    expect(splitCorsOrigins(' https://a.example.com ,, http://localhost:5173 ,')).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
    expect(splitCorsOrigins(undefined)).toEqual([]);
  });

  it.each([
    ['https://console.example.com', true],
    ['http://localhost:5173', true],
    ['*', true],
    ['https://a.example.com/app', false],
    ['console.example.com', false],
    ['ftp://a.example.com', false],
  ])('%s is an origin: %s', (entry, valid) => expect(isCorsOrigin(entry)).toBe(valid));

  it('allows listed origins with credentials, reflects any origin without them for *, and nothing for none', () => {
    expect(corsPolicy([])).toBeUndefined();
    expect(corsPolicy(['https://a.example.com'])).toMatchObject({
      origin: ['https://a.example.com'],
      credentials: true,
      maxAge: 600,
    });
    expect(corsPolicy(['https://a.example.com'])?.exposedHeaders).toEqual(
      expect.arrayContaining(['Retry-After', 'RateLimit-Remaining', 'X-Request-Id']),
    );
    expect(corsPolicy(['*', 'https://a.example.com'])).toMatchObject({ origin: true, credentials: false });
  });
});
