/**
 * `npm start`: the whole demo on a bare machine — coze-sim, the Chat Service on the embedded default
 * (SQLite file + in-process store) and demo website A — then prints the URL to open.
 * Real deployments run `npm run service` with the environment of SPEC §5 instead.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startCozeSim } from '@volcano-chat/coze-sim'
import { buildApp, loadConfig, openServices } from '@volcano-chat/server'
import { startWebsiteA } from '@volcano-chat/website-a'

const root = new URL('..', import.meta.url).pathname
const dataDir = join(root, '.data')
const env = (name: string, def: string) => process.env[name] ?? def

/** Demo secrets are made once and kept in .data/ (git-ignored), so sessions survive a restart. */
function demoSecrets() {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, 'demo-secrets.json')
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
    if (kept.toolsSecret && kept.auditKey) return kept
    // Kept from before website A had tools, or before the audit chain had its own key (issue 20 #5):
    // add what is missing, keep the rest.
    kept.toolsSecret ??= randomBytes(24).toString('base64url')
    kept.auditKey ??= randomBytes(24).toString('base64url')
    writeFileSync(file, JSON.stringify(kept, null, 2), { mode: 0o600 })
    return kept
  }
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const secrets = {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    s2sSecret: randomBytes(24).toString('base64url'),
    userIdSecret: randomBytes(24).toString('base64url'),
    toolsSecret: randomBytes(24).toString('base64url'),
    auditKey: randomBytes(24).toString('base64url'),
  }
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 })
  return secrets
}

function ensureWidgetBuilt() {
  if (existsSync(join(root, 'packages/widget/dist/volcano-chat.js'))) return
  console.log('building the widget (first run)…')
  execFileSync('npm', ['run', 'build', '-w', '@volcano-chat/widget'], { cwd: root, stdio: 'inherit' })
}

async function main() {
  ensureWidgetBuilt()
  const secrets = demoSecrets()
  const host = env('DEMO_HOST', '127.0.0.1')
  const sim = await startCozeSim({
    host,
    port: Number(env('COZE_SIM_PORT', '9100')),
    oauthApps: [{ appId: 'demo-app', keyId: 'demo-key', publicKeyPem: secrets.publicKeyPem! }],
    firstTokenDelayMs: 300,
    tokensPerSecond: 30,
  })
  const sitePort = Number(env('WEBSITE_A_PORT', '3000'))
  const config = loadConfig({
    PORT: env('PORT', '8081'),
    HOST: host,
    SQLITE_PATH: join(dataDir, 'volcano-chat.sqlite'),
    COZE_API_BASE: sim.url,
    COZE_WS_BASE: sim.url.replace(/^http/, 'ws'), // the sim's voice WebSockets
    COZE_BOT_ID: '7379462189365198898',
    COZE_OAUTH_APP_ID: 'demo-app',
    COZE_OAUTH_KEY_ID: 'demo-key',
    COZE_OAUTH_PRIVATE_KEY: secrets.privateKeyPem,
    S2S_KEYS: `website-a:${secrets.s2sSecret}`,
    USER_ID_SECRET: secrets.userIdSecret,
    AUDIT_KEY: secrets.auditKey,
    AUDIT_HEAD_FILE: join(dataDir, 'audit-head.jsonl'),
    CORS_ORIGINS: `http://${host}:${sitePort},http://localhost:${sitePort}`,
    // The bot's client-side plugins call website A's demo tool ("my_orders", SPEC §2.8).
    TOOLS_URL: `http://${host.includes(':') ? `[${host}]` : host}:${sitePort}/tools`,
    TOOLS_KEY_ID: 'chat-service',
    TOOLS_SECRET: secrets.toolsSecret,
    LOG_LEVEL: env('LOG_LEVEL', 'warn'),
  })
  const services = await openServices(config)
  const app = await buildApp(services)
  const serviceUrl = await app.listen({ host, port: config.port })
  const site = await startWebsiteA({
    host,
    port: sitePort,
    chatServiceUrl: serviceUrl,
    keyId: 'website-a',
    secret: secrets.s2sSecret!,
    widget: { features: 'cancel voice', voiceSend: 'confirm' }, // the demo shows voice too
    toolKeys: { 'chat-service': secrets.toolsSecret! },
  })
  console.log(`coze-sim      ${sim.url}`)
  console.log(`Chat Service  ${serviceUrl}  (SQLite ${config.sqlitePath}, in-process store)`)
  console.log(`\nOpen demo website A:  ${site.url}\n`)
  const stop = async () => {
    await site.close()
    await app.close()
    await services.close()
    await sim.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
