import {
  rateLimitCountOf,
  rateLimitHeaders,
  rateLimitHitParams,
  rateLimitKey,
  rateLimitMessage,
  resetSecondsOf,
} from './rate-limit';

describe('rate-limit counters shared by the API and the event gateway', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');

  it('keys a budget by class and caller, and counts a window from now', () => {
    expect(rateLimitKey('streams', 'user:42')).toBe('streams:user:42');
    expect(rateLimitHitParams('streams:user:42', 60_000, now)).toEqual([
      'streams:user:42',
      new Date('2026-01-01T00:01:00.000Z'),
      now,
    ]);
  });

  it('reads the upsert row, and refuses an empty answer', () => {
    expect(rateLimitCountOf([{ hits: '3', expires_at: '2026-01-01T00:00:30.000Z' }])).toEqual({
      hits: 3,
      expiresAt: new Date('2026-01-01T00:00:30.000Z'),
    });
    expect(() => rateLimitCountOf([])).toThrow(/no row/);
  });

  it('reports the window end in whole seconds (at least 1) and the RateLimit headers', () => {
    expect(resetSecondsOf({ hits: 1, expiresAt: new Date('2026-01-01T00:00:29.200Z') }, now)).toBe(30);
    expect(resetSecondsOf({ hits: 1, expiresAt: now }, now)).toBe(1);
    expect(rateLimitHeaders(30, 31, 12, 60_000, 'streams')).toEqual({
      'RateLimit-Limit': '30',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '12',
      'RateLimit-Policy': '30;w=60;name="streams"',
    });
    expect(rateLimitHeaders(30, 4, 12, 60_000, 'streams')['RateLimit-Remaining']).toBe('26');
    expect(rateLimitMessage(30, 60_000, 'streams', 12)).toBe(
      'Rate limit of 30 streams requests per 60 s exceeded; retry in 12 s.',
    );
  });
});
