/** Shared argument check, so both adapters refuse the same TTLs (Redis rejects 0 and fractions with PX). */
export function checkTtl(ttlMs: number): number {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer of milliseconds (got ${ttlMs})`)
  }
  return ttlMs
}
