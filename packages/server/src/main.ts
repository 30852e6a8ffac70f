/** `npm run service`: the Chat Service configured only by the environment (SPEC §5, §7). */
import { buildApp } from './app'
import { ConfigError, loadConfig } from './config'
import { openServices } from './services'

async function main() {
  let config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    for (const problem of err.problems) startupLine('config', problem)
    process.exit(2)
  }
  const services = await openServices(config)
  const app = await buildApp(services)
  await app.listen({ port: config.port, host: config.host })
  services.sweeper.start() // also reconciles what a previous crash left behind
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    services.log.info({ signal, running: services.running.size }, 'draining')
    // /readyz is 503 from here; open answers finish, go to a live peer, or (no peer) end `interrupted`
    await services.drain()
    await app.close()
    await services.close()
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
}

/**
 * Before the logger exists (bad configuration, a dependency that never came up), lines still go out as
 * JSON in pino's shape, so the log pipeline parses them like every other line.
 */
function startupLine(msg: 'config' | 'fatal', problem: string, err?: Error) {
  const line = { level: 60, time: Date.now(), msg, problem, ...(err?.stack ? { stack: err.stack } : {}) }
  console.error(JSON.stringify(line))
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err))
  startupLine('fatal', `${e.name}: ${e.message}`, e)
  process.exit(1)
})
