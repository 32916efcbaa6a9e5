/**
 * What a node persists to: a key-value store with an explicit durability point. A real node backs
 * it with a file or a database; the simulator with a store that loses unsynced writes on a crash.
 */
export interface KvStore {
  get(key: string): string | undefined;
  put(key: string, value: string): void;
  delete(key: string): void;
  /** Keys with this prefix, sorted (code-unit order). */
  keys(prefix: string): string[];
  /** Make every write so far durable. */
  sync(): void;
}

/** A KvStore in memory where every write is immediately durable (tests, single-process use). */
export class MemoryKvStore implements KvStore {
  private readonly m = new Map<string, string>();
  get(key: string): string | undefined {
    return this.m.get(key);
  }
  put(key: string, value: string): void {
    this.m.set(key, value);
  }
  delete(key: string): void {
    this.m.delete(key);
  }
  keys(prefix: string): string[] {
    return [...this.m.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  sync(): void {}
}
