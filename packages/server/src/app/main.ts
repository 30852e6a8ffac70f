/** `npm run service`: the Chat Service configured only by the environment (SPEC §5, §7). */
import { buildApp } from './app'
import { ConfigError, loadConfig } from '../core/config'
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
  const services = await openServices(config) // a step that fails closes what opened before it
  const app = await buildApp(services)
  // Listening makes the app ready: background work (heartbeat, sweeper, retention, audit head) starts.
  const url = await app.listen({ port: config.port, host: config.host })
  // A parent with an IPC channel (the tests start us on PORT=0) learns where we listen; no-op otherwise.
  process.send?.({ listening: url })
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    services.log.info({ signal, running: services.running.size }, 'draining')
    // /readyz is 503 from here; open answers finish, go to a live peer, or (no peer) end `interrupted`
    await services.drain()
    await app.close() // its onClose stops the service's parts, last opened first
    await services.close() // the same stop (it runs once), awaited here for its error
    process.exit(0)
  }
  // A drain or close that fails still ends the process, with the JSON line saying why (not an
  // unhandled rejection's stack on stderr).
  const stopOn = (signal: string) => () =>
    void stop(signal).catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err))
      startupLine('fatal', `${e.name}: ${e.message}`, e)
      process.exit(1)
    })
  process.once('SIGTERM', stopOn('SIGTERM'))
  process.once('SIGINT', stopOn('SIGINT'))
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
