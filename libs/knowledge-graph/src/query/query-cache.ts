/** Answers by query, valid for one write generation; least recently used evicted. */
export class QueryCache<V> {
  private readonly entries = new Map<string, { generation: number; value: V }>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 500) {}

  get(key: string, generation: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.generation !== generation) {
      if (entry !== undefined) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.value;
  }

  set(key: string, generation: number, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { generation, value });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
