/**
 * A least-recently-used cache bounded by bytes rather than entries, for decoded images: a
 * folder larger than memory keeps its most recently used images up to the budget and
 * decodes the rest again when needed.
 *
 * @example
 *   const cache = new ByteLruCache<number, Image>(64 * 2 ** 20);
 *   cache.set(3, image, image.data.byteLength);
 *   cache.get(3); // the image, now the most recently used
 */
import { ConfigError } from '../core/errors.js';

export interface CacheStats {
  /** The byte budget. */
  budget: number;
  /** Bytes held now; never above the budget. */
  bytes: number;
  entries: number;
  hits: number;
  misses: number;
  evictions: number;
}

export class ByteLruCache<K, V> {
  // A Map iterates in insertion order, so re-inserting on use keeps the oldest first.
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private held = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(readonly budget: number) {
    if (typeof budget !== 'number' || !(budget >= 0) || !Number.isFinite(budget)) {
      throw new ConfigError('cacheBytes', 'a number of bytes >= 0', budget);
    }
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` as the most recently used; a value larger than the budget is not kept. */
  set(key: K, value: V, bytes: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= old.bytes;
    }
    if (bytes > this.budget) return;
    while (this.held + bytes > this.budget) {
      const oldest = this.entries.keys().next().value as K;
      this.held -= this.entries.get(oldest)!.bytes;
      this.entries.delete(oldest);
      this.evictions++;
    }
    this.entries.set(key, { value, bytes });
    this.held += bytes;
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }

  stats(): CacheStats {
    return {
      budget: this.budget,
      bytes: this.held,
      entries: this.entries.size,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }
}
