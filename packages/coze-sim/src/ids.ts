import { randomBytes } from 'node:crypto'

/**
 * Coze ids are snowflakes: epoch ms shifted left 22 bits plus a sequence, which gives 19 digits today
 * (`7382159487131697202` decodes to June 2024). Ids from one generator are unique and increasing, so
 * message lists can order and page by id.
 */
export function createIdGenerator(now: () => number = Date.now) {
  let lastMs = 0n
  let seq = 0n
  return function nextId(): string {
    const ms = BigInt(now())
    if (ms > lastMs) {
      lastMs = ms
      seq = 0n
    } else {
      seq += 1n
      if (seq > 0x3fffffn) {
        lastMs += 1n
        seq = 0n
      }
    }
    return ((lastMs << 22n) | seq).toString()
  }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** `20250402172757C9D48D9701EFB24031A7`: Beijing time to the second, then 20 hex digits (issue coze-js#179). */
export function newLogId(now = new Date()): string {
  const cst = new Date(now.getTime() + 8 * 3_600_000)
  const stamp =
    `${cst.getUTCFullYear()}${pad(cst.getUTCMonth() + 1)}${pad(cst.getUTCDate())}` +
    `${pad(cst.getUTCHours())}${pad(cst.getUTCMinutes())}${pad(cst.getUTCSeconds())}`
  return stamp + randomBytes(10).toString('hex').toUpperCase()
}

/** Opaque OAuth access token; Coze's service tokens start with `czs_`. */
export const newAccessToken = () => `czs_${randomBytes(32).toString('base64url')}`

export const unixSeconds = (ms = Date.now()) => Math.floor(ms / 1000)
