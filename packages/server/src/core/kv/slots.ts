/**
 * How long a stream slot lives without a refresh: limits refreshes held slots at a third of it, every
 * backend expires a slot after it (so a crashed instance's slots free themselves within this time).
 */
export const SLOT_TTL_MS = 60_000
