import { LocalMutex } from './local-mutex';

describe('LocalMutex', () => {
  afterEach(() => jest.useRealTimers());

  it('grants a free key at once and refuses a held one when not waiting', async () => {
    const mutex = new LocalMutex();
    await expect(mutex.acquire('k', 0)).resolves.toBe(true);
    await expect(mutex.acquire('k', 0)).resolves.toBe(false);
    await expect(mutex.acquire('other', 0)).resolves.toBe(true);
  });

  it('hands the key to waiters in order on release', async () => {
    const mutex = new LocalMutex();
    await mutex.acquire('k', 0);
    const order: string[] = [];
    const second = mutex.acquire('k', 10_000).then((ok) => order.push(`second:${ok}`));
    const third = mutex.acquire('k', 10_000).then((ok) => order.push(`third:${ok}`));
    mutex.release('k');
    await second;
    expect(order).toEqual(['second:true']);
    mutex.release('k');
    await third;
    expect(order).toEqual(['second:true', 'third:true']);
    mutex.release('k');
    expect(mutex.isHeld('k')).toBe(false);
  });

  it('gives up after the timeout, and a later release does not hand the key to the one that gave up', async () => {
    jest.useFakeTimers();
    const mutex = new LocalMutex();
    await mutex.acquire('k', 0);
    const waiting = mutex.acquire('k', 500);
    jest.advanceTimersByTime(500);
    await expect(waiting).resolves.toBe(false);
    mutex.release('k');
    expect(mutex.isHeld('k')).toBe(false);
    expect(mutex.size).toBe(0);
  });

  it('ignores the release of a key that is not held', () => {
    const mutex = new LocalMutex();
    mutex.release('nothing');
    expect(mutex.isHeld('nothing')).toBe(false);
  });

  it('tryAcquire takes a free key at once and never a held one, leaving waiters their turn', async () => {
    const mutex = new LocalMutex();
    expect(mutex.tryAcquire('k')).toBe(true);
    expect(mutex.tryAcquire('k')).toBe(false);
    const waiting = mutex.acquire('k', 1_000);
    mutex.release('k');
    // Handed to the waiter, so still held: a newcomer cannot jump the queue.
    expect(mutex.tryAcquire('k')).toBe(false);
    await expect(waiting).resolves.toBe(true);
    mutex.release('k');
    expect(mutex.tryAcquire('k')).toBe(true);
  });
});
