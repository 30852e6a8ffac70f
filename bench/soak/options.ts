/** The soak's options (command line) and its seeded randomness: one `--seed` replays the same drops. */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { prng } from '@volcano-chat/coze-sim'

const { values: args } = parseArgs({
  options: {
    chats: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '25' },
    'drop-rate': { type: 'string', default: '0.3' },
    'resume-drop-rate': { type: 'string', default: '0.1' },
    'kill-at': { type: 'string', default: '0.4' },
    'restart-after-ms': { type: 'string', default: '2000' },
    tps: { type: 'string', default: '40' },
    'settle-ms': { type: 'string', default: '60000' },
    seed: { type: 'string' },
  },
})

const num = (name: keyof typeof args, min: number, max: number) => {
  const v = Number(args[name])
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be in [${min}, ${max}]`)
  return v
}
export const CHATS = Math.floor(num('chats', 1, 5000))
export const CONCURRENCY = Math.floor(num('concurrency', 1, 200))
export const DROP_RATE = num('drop-rate', 0, 1)
export const RESUME_DROP_RATE = num('resume-drop-rate', 0, 0.9)
export const KILL_AT = num('kill-at', 0, 1)
export const RESTART_AFTER_MS = Math.floor(num('restart-after-ms', 0, 60_000))
export const TPS = num('tps', 1, 1000)
export const SETTLE_MS = Math.floor(num('settle-ms', 1000, 300_000))
export const SEED =
  args.seed === undefined ? randomBytes(4).readUInt32LE() : Math.floor(num('seed', 0, 2 ** 32 - 1))

/** Per-request and per-phase bounds: nothing here waits forever. */
export const SEGMENT_TIMEOUT_MS = 60_000
export const MAX_SEND_ATTEMPTS = 4
export const MAX_RESUMES = 10
export const WATCHDOG_MS = 10 * 60_000 + CHATS * 2_000

/** Reproducible drops and answer lengths for one --seed (coze-sim's mulberry32). */
export const random = prng(SEED)
export const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function assertLoopback(url: string) {
  const host = new URL(url).hostname
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
    throw new Error(`the soak only talks to 127.0.0.1, not ${host}`)
}
