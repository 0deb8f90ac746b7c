import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { principalFromClaims, SigningKeys, verifyAccessToken, type SessionState } from '@hotswap/auth-core';
import { ACCESS_TOKEN_TYPE } from './signing-keys';

const settings = { issuer: 'hotswap', audience: 'hotswap-api' };
const secret = randomBytes(48).toString('base64url');
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Signed the way the API's TokenService signs (jsonwebtoken through @nestjs/jwt). */
function issue(
  keys: SigningKeys,
  claims: Record<string, unknown>,
  options: { issuer?: string } = {},
): string {
  const { signing } = keys;
  return new JwtService().sign(
    {
      sub: 'u1',
      sid: 's1',
      ver: 1,
      preferred_username: 'vera',
      roles: ['Viewer'],
      iat: now(),
      exp: now() + 60,
      ...claims,
    },
    {
      algorithm: signing.alg,
      privateKey: signing.signWith,
      issuer: options.issuer ?? settings.issuer,
      audience: settings.audience,
      header: { alg: signing.alg, typ: ACCESS_TOKEN_TYPE, kid: signing.kid },
    },
  );
}

function hs256(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('verifyAccessToken (API guard, WebSocket auth and event gateway)', () => {
  const keys = new SigningKeys({ secret });
  const header = { alg: 'HS256', typ: ACCESS_TOKEN_TYPE, kid: keys.signing.kid };
  const valid = () => ({ sub: 'u1', iss: 'hotswap', aud: 'hotswap-api', iat: now(), exp: now() + 60 });

  it('accepts the tokens the API issues, HS256 and ES256', () => {
    expect(verifyAccessToken(issue(keys, {}), keys, settings)).toMatchObject({ sub: 'u1', sid: 's1' });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const es = new SigningKeys({
      secret,
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(es.signing.alg).toBe('ES256');
    expect(verifyAccessToken(issue(es, {}), es, settings)).toMatchObject({ sub: 'u1' });
    expect(verifyAccessToken(issue(keys, { aud: undefined }), keys, settings)).toBeDefined();
  });

  it('refuses forged, expired, early, foreign and malformed tokens', () => {
    const good = hs256(header, valid());
    expect(verifyAccessToken(good, keys, settings)).toBeDefined();
    const [h, p] = good.split('.');
    const cases: [string, string][] = [
      ['bad signature', `${h}.${p}.${'A'.repeat(43)}`],
      ['other secret', new JwtService().sign({ ...valid() }, { secret: 'x'.repeat(48), header: header })],
      ['alg none', `${b64({ ...header, alg: 'none' })}.${p}.`],
      ['ES256 header on an HS256 key', `${b64({ ...header, alg: 'ES256' })}.${p}.${good.split('.')[2]}`],
      ['typ JWT', hs256({ ...header, typ: 'JWT' }, valid())],
      ['unknown kid', hs256({ ...header, kid: 'hs-nope' }, valid())],
      ['expired', hs256(header, { ...valid(), exp: now() - 1 })],
      ['expires now', hs256(header, { ...valid(), exp: now() })],
      ['no exp', hs256(header, { ...valid(), exp: undefined })],
      ['not yet valid', hs256(header, { ...valid(), nbf: now() + 30 })],
      ['other issuer', hs256(header, { ...valid(), iss: 'someone' })],
      ['other audience', hs256(header, { ...valid(), aud: ['someone'] })],
      ['two parts', `${h}.${p}`],
      ['not base64url', `${h}.${p}.abc+def`],
      ['payload not JSON', hs256(header, valid()).replace(p!, 'bm90IGpzb24')],
    ];
    for (const [name, token] of cases) {
      expect([name, verifyAccessToken(token, keys, settings)]).toEqual([name, undefined]);
    }
    expect(
      verifyAccessToken(hs256(header, { ...valid(), aud: ['x', 'hotswap-api'] }), keys, settings),
    ).toBeDefined();
  });

  it('makes a principal only for complete claims and a live session of the same user and version', async () => {
    const claims = { sub: 'u1', sid: 's1', ver: 2, preferred_username: 'vera', roles: ['Viewer'] };
    const state = (s: Partial<SessionState>) => () =>
      Promise.resolve<SessionState>({ userId: 'u1', revoked: false, disabled: false, tokenVersion: 2, ...s });
    expect(await principalFromClaims(claims, state({}))).toEqual({
      id: 'u1',
      kind: 'user',
      username: 'vera',
      roles: ['Viewer'],
      userId: 'u1',
      sessionId: 's1',
    });
    expect(await principalFromClaims(claims, state({ revoked: true }))).toBe(false);
    expect(await principalFromClaims(claims, state({ disabled: true }))).toBe(false);
    expect(await principalFromClaims(claims, state({ tokenVersion: 3 }))).toBe(false);
    expect(await principalFromClaims(claims, state({ userId: 'u2' }))).toBe(false);
    expect(await principalFromClaims(claims, () => Promise.resolve(undefined))).toBe(false);
    expect(await principalFromClaims({ ...claims, roles: ['Root'] }, state({}))).toBe(false);
    expect(await principalFromClaims({ ...claims, ver: '2' }, state({}))).toBe(false);
  });
});
