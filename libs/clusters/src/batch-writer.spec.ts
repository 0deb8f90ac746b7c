import { BatchWriter } from './batch-writer';

describe('BatchWriter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function writer(maxBatch = 100, fail = false) {
    const batches: number[][] = [];
    const w = new BatchWriter<number>({
      flushIntervalMs: 200,
      maxBatch,
      write: (items) => {
        batches.push(items);
        return fail ? Promise.reject(new Error('db down')) : Promise.resolve();
      },
    });
    return { w, batches };
  }

  it('writes every item added within the interval in one batch', async () => {
    const { w, batches } = writer();
    const done = Promise.all([1, 2, 3].map((n) => w.add(n)));
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(199);
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('writes a full batch at once, without waiting for the interval', async () => {
    const { w, batches } = writer(2);
    const done = Promise.all([w.add(1), w.add(2)]);
    await done;
    expect(batches).toEqual([[1, 2]]);
  });

  it('rejects the items of a failed batch and keeps working', async () => {
    const { w } = writer(1, true);
    await expect(w.add(1)).rejects.toThrow('db down');
    expect(w.size).toBe(0);
  });

  it('writes the rest on close and refuses items afterwards', async () => {
    const { w, batches } = writer();
    const pending = w.add(7);
    await w.close();
    await pending;
    expect(batches).toEqual([[7]]);
    await expect(w.add(8)).rejects.toThrow('closed');
  });
});
