import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isForbiddenAddress, parseWebhookUrl, resolveTarget, WebhookTargetError } from './webhook-target';
import { signBody, WebhookSender } from './webhook-sender';

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );
});

describe('resolveTarget', () => {
  const resolvesTo =
    (...addresses: string[]) =>
    () =>
      Promise.resolve(
        addresses.map((address) => ({
          address,
          family: address.includes(':') ? (6 as const) : (4 as const),
        })),
      );

  it('checks the resolved address, not the name: a public-looking name resolving to a private address is refused', async () => {
    await expect(
      resolveTarget(new URL('https://hooks.example.com/x'), false, resolvesTo('10.0.0.5')),
    ).rejects.toThrow(/resolves to 10\.0\.0\.5.*private, loopback or link-local/);
    await expect(
      resolveTarget(
        new URL('https://hooks.example.com/x'),
        false,
        resolvesTo('93.184.216.34', '169.254.169.254'),
      ),
    ).rejects.toBeInstanceOf(WebhookTargetError);
    await expect(
      resolveTarget(new URL('https://hooks.example.com/x'), false, resolvesTo('93.184.216.34')),
    ).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('refuses IP literals of loopback and link-local, unless allowed', async () => {
    await expect(resolveTarget(new URL('http://127.0.0.1:8080/'), false)).rejects.toThrow(/loopback/);
    await expect(resolveTarget(new URL('http://169.254.169.254/'), false)).rejects.toThrow(/link-local/);
    await expect(resolveTarget(new URL('http://[::1]/'), false)).rejects.toThrow(/loopback/);
    await expect(resolveTarget(new URL('http://127.0.0.1:8080/'), true)).resolves.toEqual({
      address: '127.0.0.1',
      family: 4,
    });
  });

  it.each(['ftp://example.com/', 'not a url', 'https://user:pw@example.com/'])(
    'refuses the URL %s',
    (url) => {
      expect(() => parseWebhookUrl(url)).toThrow(WebhookTargetError);
    },
  );
});

describe('WebhookSender', () => {
  it('refuses at delivery time a target that resolves to loopback, without contacting it', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const body = JSON.stringify({ hello: 'world' });
      const request = { secret: 'x'.repeat(16), deliveryId: 'd1', eventType: 'approval.requested', body };
      const refused = await new WebhookSender({ allowPrivateTargets: false, timeoutMs: 1_000 }).send({
        ...request,
        url: `http://localhost:${port}/hook`,
      });
      expect(refused).toEqual(expect.objectContaining({ ok: false, retry: false, statusCode: null }));
      expect(refused.error).toMatch(/refused/);
      expect(hits).toBe(0);
      const allowed = await new WebhookSender({ allowPrivateTargets: true, timeoutMs: 1_000 }).send({
        ...request,
        url: `http://localhost:${port}/hook`,
      });
      expect(allowed).toEqual({ ok: true, statusCode: 200, error: null, retry: false });
      expect(hits).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('signs the raw body with HMAC-SHA256', () => {
    expect(signBody('key', 'The quick brown fox jumps over the lazy dog')).toBe(
      'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });
});
