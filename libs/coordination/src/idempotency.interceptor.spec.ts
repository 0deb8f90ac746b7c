import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { type Reflector } from '@nestjs/core';
import { CoordinationErrorCode } from '@hotswap/contracts';
import { DomainError, RequestValidationError } from '@hotswap/http';
import { lastValueFrom, of, throwError } from 'rxjs';
import {
  IdempotencyInterceptor,
  type IdempotencyStore,
  type TransactionRunner,
} from './idempotency.interceptor';
import type { ClaimInput, ClaimResult, StoredResponse } from './idempotency.repository';

/** An in-memory store with the repository's semantics (no expiry). */
class FakeStore implements IdempotencyStore {
  readonly rows = new Map<string, { hash: string; claimId: string; response?: StoredResponse }>();
  private next = 0;

  claim(input: ClaimInput): Promise<ClaimResult> {
    const id = `${input.scope}|${input.key}`;
    const row = this.rows.get(id);
    if (row === undefined) {
      const claimId = `claim-${++this.next}`;
      this.rows.set(id, { hash: input.requestHash, claimId });
      return Promise.resolve({ kind: 'claimed', claimId });
    }
    const sameRequest = row.hash === input.requestHash;
    if (row.response === undefined) return Promise.resolve({ kind: 'in_flight', sameRequest });
    return Promise.resolve({ kind: 'completed', sameRequest, response: row.response });
  }

  complete(scope: string, key: string, claimId: string, response: StoredResponse): Promise<boolean> {
    const row = this.rows.get(`${scope}|${key}`);
    if (row?.claimId !== claimId || row.response !== undefined) return Promise.resolve(false);
    row.response = response;
    return Promise.resolve(true);
  }

  release(scope: string, key: string, claimId: string): Promise<void> {
    if (this.rows.get(`${scope}|${key}`)?.claimId === claimId) this.rows.delete(`${scope}|${key}`);
    return Promise.resolve();
  }
}

class FakeTransactions implements TransactionRunner {
  committed = 0;
  rolledBack = 0;
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.committed++;
      return result;
    } catch (error) {
      this.rolledBack++;
      throw error;
    }
  }
}

class FakeResponse {
  statusCode = 201;
  readonly headers = new Map<string, string>();
  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }
}

const config = {
  coordination: { idempotency: { ttlMs: 86_400_000, inFlightTimeoutMs: 60_000, pruneIntervalMs: 1 } },
};

function setup(marked = true) {
  const reflector = { getAllAndOverride: () => marked } as unknown as Reflector;
  const store = new FakeStore();
  const transactions = new FakeTransactions();
  const interceptor = new IdempotencyInterceptor(reflector, store, transactions, config as never);
  const call = async (
    headers: Record<string, string>,
    body: unknown,
    handler: () => unknown = () => ({ ok: true }),
    user?: { id: string },
  ) => {
    const res = new FakeResponse();
    const req = { method: 'POST', originalUrl: '/api/v1/things', headers, body, ip: '10.0.0.1', user };
    const context = {
      getType: () => 'http',
      getHandler: () => undefined,
      getClass: () => undefined,
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ExecutionContext;
    let handled = 0;
    const next: CallHandler = {
      handle: () => {
        handled++;
        try {
          const value = handler();
          res.setHeader('Location', '/api/v1/things/1');
          return of(value);
        } catch (error) {
          return throwError(() => error);
        }
      },
    };
    const value: unknown = await lastValueFrom(interceptor.intercept(context, next), {
      defaultValue: undefined,
    });
    return { value, res, handled };
  };
  return { store, transactions, call };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('IdempotencyInterceptor', () => {
  it('passes requests without the header straight through', async () => {
    const { call, store } = setup();
    const { value, handled } = await call({}, { a: 1 });
    expect(value).toEqual({ ok: true });
    expect(handled).toBe(1);
    expect(store.rows.size).toBe(0);
  });

  it('ignores the header on routes not marked @Idempotent()', async () => {
    const { call, store } = setup(false);
    await call({ 'idempotency-key': 'k' }, {});
    await call({ 'idempotency-key': 'k' }, {});
    expect(store.rows.size).toBe(0);
  });

  it('runs the first request in a transaction and replays its status, body and Location for a repeat', async () => {
    const { call, transactions } = setup();
    const first = await call({ 'idempotency-key': 'k' }, { a: 1 });
    const again = await call({ 'idempotency-key': 'k' }, { a: 1 }, () => ({ ok: 'second effect' }));
    expect(first.handled).toBe(1);
    expect(again.handled).toBe(0);
    expect(again.value).toEqual(first.value);
    expect(again.res.statusCode).toBe(201);
    expect(again.res.getHeader('location')).toBe('/api/v1/things/1');
    expect(again.res.getHeader('idempotent-replayed')).toBe('true');
    expect(transactions.committed).toBe(1);
  });

  it('refuses the key with a different request (422 code) without running the handler', async () => {
    const { call } = setup();
    await call({ 'idempotency-key': 'k' }, { a: 1 });
    expect(await codeOf(call({ 'idempotency-key': 'k' }, { a: 2 }))).toBe(
      CoordinationErrorCode.IdempotencyKeyReused,
    );
  });

  it('answers a repeat while the first is in flight with the in-flight code (409)', async () => {
    const { call } = setup();
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const first = call({ 'idempotency-key': 'k' }, { a: 1 }, () => slow.then(() => ({ ok: 1 })));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await codeOf(call({ 'idempotency-key': 'k' }, { a: 1 }))).toBe(
      CoordinationErrorCode.IdempotencyRequestInFlight,
    );
    release();
    await first;
  });

  it('frees the key when the handler fails, rolling its transaction back', async () => {
    const { call, store, transactions } = setup();
    await expect(
      call({ 'idempotency-key': 'k' }, { a: 1 }, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(transactions.rolledBack).toBe(1);
    expect(store.rows.size).toBe(0);
    const retried = await call({ 'idempotency-key': 'k' }, { a: 1 });
    expect(retried.handled).toBe(1);
  });

  it('keeps keys of different users apart', async () => {
    const { call } = setup();
    await call({ 'idempotency-key': 'k' }, { a: 1 }, undefined, { id: 'alice' });
    const bob = await call({ 'idempotency-key': 'k' }, { a: 2 }, undefined, { id: 'bob' });
    expect(bob.handled).toBe(1);
  });

  it('refuses a malformed key as a validation error', async () => {
    const { call } = setup();
    await expect(call({ 'idempotency-key': 'has spaces' }, {})).rejects.toBeInstanceOf(
      RequestValidationError,
    );
  });
});
