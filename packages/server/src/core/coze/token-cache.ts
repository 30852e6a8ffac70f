/**
 * The shared Coze access-token cache in Redis. The token is a credential, so it is stored sealed
 * (AES-256-GCM, key derived from the OAuth private key every instance already holds), never in clear.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { keys } from '../kv/keys'
import type { Kv } from '../kv/types'

export interface CachedToken {
  accessToken: string
  /** Epoch ms. */
  expiresAt: number
}

const KEY = keys.cozeToken()

export function createTokenCache(kv: Kv, sealingSecret: string) {
  const key = createHash('sha256').update(`volcano-chat:coze-token-cache:${sealingSecret}`).digest()

  function seal(t: CachedToken): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    const body = Buffer.concat([cipher.update(JSON.stringify(t), 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  function open(sealed: string): CachedToken | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64')
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      const json = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
      return JSON.parse(json) as CachedToken
    } catch {
      return undefined // sealed with another key (rotated) or corrupt: treat as a miss
    }
  }

  return {
    async get(): Promise<CachedToken | undefined> {
      const raw = await kv.get(KEY)
      return raw ? open(raw) : undefined
    },
    async put(t: CachedToken, now: number) {
      const ttlMs = t.expiresAt - now
      if (ttlMs > 1000) await kv.set(KEY, seal(t), { ttlMs })
    },
    /** Drops the cached token only if it is still the one that failed (others may have refreshed). */
    async drop(accessToken: string) {
      const current = await this.get()
      if (current?.accessToken === accessToken) await kv.del(KEY)
    },
    /** The refresh lock's key: one exchange at a time across instances (auth.ts). */
    lockKey: keys.cozeTokenLock(),
  }
}
