/**
 * Parses a non-negative ASCII decimal with no leading zeros (`0` itself allowed), the form every C2SP
 * tlog text uses for sizes, indices and timestamps (tlog-checkpoint §"Note text", tlog-proof §Format,
 * tlog-cosignature §"Ed25519 signed message"). Values above `Number.MAX_SAFE_INTEGER` are refused:
 * they cannot be held exactly, and no log reaches 2^53 entries, so everything ≥ 2^63 is refused too.
 */
export function parseDecimal(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Throws a RangeError unless `value` is a safe non-negative integer (a size, index or timestamp). */
export function assertCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${String(value)}`);
  }
}
