#!/usr/bin/env -S npx tsx
/** `npm run coze-sim -- --port <n>`: runs the simulator until SIGINT/SIGTERM. */
import { HELP, parseCli } from './cli-args'
import { startCozeSim } from './server'

async function main(): Promise<void> {
  let command
  try {
    command = parseCli(process.argv.slice(2))
  } catch (e) {
    console.error(`coze-sim: ${e instanceof Error ? e.message : String(e)}\n\n${HELP}`)
    process.exitCode = 2
    return
  }
  if (command.help) return void console.log(HELP)
  const sim = await startCozeSim(command.options)
  console.log(`coze-sim listening on ${sim.url}`)
  const stop = () => {
    void sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`coze-sim: close failed: ${err instanceof Error ? err.message : String(err)}`)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

await main()
