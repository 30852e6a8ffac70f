/**
 * coze-sim in its own process for the bench (pinned beside the load generator, away from the service):
 * options arrive as JSON in argv[2]; the URL goes back over IPC. `reset` drops the request log between
 * scenarios so the sim's memory stays flat over a long run.
 */
import { startCozeSim, type CozeSimOptions } from '@volcano-chat/coze-sim'

const options = JSON.parse(process.argv[2] ?? '{}') as CozeSimOptions
const sim = await startCozeSim(options)
process.on('message', (m: { kind: 'reset' | 'stats' }) => {
  if (m.kind === 'reset') sim.reset()
  process.send?.({ kind: m.kind, stats: sim.stats })
})
const stop = () => void sim.close().finally(() => process.exit(0))
process.on('disconnect', stop)
process.on('SIGTERM', stop)
process.send?.({ kind: 'ready', url: sim.url })
