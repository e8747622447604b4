// A tiny in-memory cache with a per-cache time-to-live.

export class Cache {
  private store: any = {};
  private ttl: number;
  hits = 0;
  misses = 0;

  constructor(ttl?: number) {
    this.ttl = ttl || 60000;
  }

  get(key: string): any {
    const e = this.store[key];
    if (!e) {
      this.misses++;
      return undefined;
    }
    if (Date.now() > e.exp) {
      delete this.store[key];
      this.misses++;
      return undefined;
    }
    this.hits++;
    return e.v;
  }

  set(key: string, value: any): void {
    this.store[key] = { v: value, exp: Date.now() + this.ttl };
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  delete(key: string): void {
    delete this.store[key];
  }

  clear(): void {
    this.store = {};
  }

  size(): number {
    return Object.keys(this.store).length;
  }

  // TODO: remove, nobody calls this anymore
  dump(): string {
    return JSON.stringify(this.store);
  }
}

export function memoize(fn: (...args: any[]) => any) {
  const cache = new Map();
  return function (...args: any[]) {
    const key = JSON.stringify(args);
    if (cache.has(key)) return cache.get(key);
    const result = fn(...args);
    cache.set(key, result);
    return result;
  };
}

export function createCache(ttl?: number): Cache {
  return new Cache(ttl);
}
