import fc from 'fast-check';
import { DEFAULT_RETRY_POLICY, isLastAttempt, retryDelayWindow, type RetryPolicy } from './backoff';

const policy = fc.record<RetryPolicy>({
  retryLimit: fc.integer({ min: 0, max: 20 }),
  retryDelaySeconds: fc.integer({ min: 1, max: 60 }),
  retryDelayMaxSeconds: fc.integer({ min: 1, max: 3_600 }),
});

describe('retryDelayWindow', () => {
  it('waits 2–4, 4–8, 8–16, 16–32 and 32 s with the defaults', () => {
    const windows = [1, 2, 3, 4, 5].map((n) => retryDelayWindow(DEFAULT_RETRY_POLICY, n));
    expect(windows).toEqual([
      { minMs: 2_000, maxMs: 4_000 },
      { minMs: 4_000, maxMs: 8_000 },
      { minMs: 8_000, maxMs: 16_000 },
      { minMs: 16_000, maxMs: 32_000 },
      { minMs: 32_000, maxMs: 32_000 },
    ]);
  });

  it('never shrinks from one retry to the next, and never exceeds the maximum', () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 40 }), (p, n) => {
        const current = retryDelayWindow(p, n);
        const next = retryDelayWindow(p, n + 1);
        expect(next.minMs).toBeGreaterThanOrEqual(current.minMs);
        expect(next.maxMs).toBeGreaterThanOrEqual(current.maxMs);
        expect(current.maxMs).toBeLessThanOrEqual(p.retryDelayMaxSeconds * 1000);
        expect(current.minMs).toBeLessThanOrEqual(current.maxMs);
      }),
    );
  });

  it('doubles the lower bound each retry until the cap', () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 14 }), (p, n) => {
        const current = retryDelayWindow(p, n);
        const next = retryDelayWindow(p, n + 1);
        if (next.minMs < p.retryDelayMaxSeconds * 1000) expect(next.minMs).toBe(2 * current.minMs);
        expect(current.maxMs).toBe(Math.min(2 * current.minMs, p.retryDelayMaxSeconds * 1000));
      }),
    );
  });

  it('refuses attempt numbers below 1', () => {
    expect(() => retryDelayWindow(DEFAULT_RETRY_POLICY, 0)).toThrow();
  });
});

describe('isLastAttempt', () => {
  it('is true only past retryLimit: a job gets retryLimit + 1 attempts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 60 }), (limit, attempt) => {
        expect(isLastAttempt({ retryLimit: limit }, attempt)).toBe(
          attempt === limit + 1 || attempt > limit + 1,
        );
      }),
    );
    expect(isLastAttempt(DEFAULT_RETRY_POLICY, 5)).toBe(false);
    expect(isLastAttempt(DEFAULT_RETRY_POLICY, 6)).toBe(true);
  });
});
