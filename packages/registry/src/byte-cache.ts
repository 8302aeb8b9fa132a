/** A least-recently-used cache of immutable blocks by CID, bounded by their total size in bytes. */
export class ByteCache {
  readonly #budget: number;
  readonly #entries = new Map<string, Uint8Array>();
  #size = 0;

  constructor(budgetBytes: number) {
    this.#budget = budgetBytes;
  }

  get(cid: string): Uint8Array | undefined {
    const bytes = this.#entries.get(cid);
    if (bytes !== undefined) {
      this.#entries.delete(cid);
      this.#entries.set(cid, bytes);
    }
    return bytes;
  }

  set(cid: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.#budget || this.#entries.has(cid)) return;
    this.#entries.set(cid, bytes);
    this.#size += bytes.byteLength;
    for (const [key, value] of this.#entries) {
      if (this.#size <= this.#budget) break;
      this.#entries.delete(key);
      this.#size -= value.byteLength;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#size = 0;
  }
}
