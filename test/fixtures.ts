/**
 * What the tests and the bench both build a stack from (no vitest here, so bench scripts can import it):
 * the fixtures the sim and the service share, the service's Coze and S2S settings for them, and a MySQL
 * database of one's own.
 */
import { createConnection } from 'mysql2/promise'

export const BOT_ID = '7379462189365198898'
export const S2S_KEY = { id: 'site-a', secret: 'site-a-secret-0123456789abcdef' }
export const OAUTH_APP = { appId: '1170000000001', keyId: 'kid-test-1' }
export const PAT = 'pat_volcano_test_0123456789'

/** coze-sim's half of `cozeEnv`: OAUTH_APP signed with `publicKeyPem`'s private half, and PAT. */
export const simTrusting = (publicKeyPem: string) => ({
  oauthApps: [{ ...OAUTH_APP, publicKeyPem }],
  pats: [PAT],
})

/** The service's environment for a sim at `simUrl` that trusts `privateKeyPem`'s public half (OAuth JWT). */
export const cozeEnv = (simUrl: string, privateKeyPem: string): Record<string, string> => ({
  COZE_API_BASE: simUrl,
  COZE_BOT_ID: BOT_ID,
  COZE_OAUTH_APP_ID: OAUTH_APP.appId,
  COZE_OAUTH_KEY_ID: OAUTH_APP.keyId,
  COZE_OAUTH_PRIVATE_KEY: privateKeyPem,
  S2S_KEYS: `${S2S_KEY.id}:${S2S_KEY.secret}`,
})

/** Creates the database `name` through `adminUrl`; `drop()` removes it again. */
export async function createDatabaseAt(adminUrl: string, name: string) {
  const conn = await createConnection(adminUrl)
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const [rows] = await conn.query('SELECT VERSION() AS v')
  await conn.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    version: String((rows as { v: string }[])[0]?.v ?? '?'),
    drop: async () => {
      const c = await createConnection(adminUrl)
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await c.end()
    },
  }
}
