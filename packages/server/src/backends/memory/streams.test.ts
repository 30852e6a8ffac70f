import { createMemoryStreamLog } from './streams'
import { runStreamLogContract } from '../contract/stream-log.contract.test'

// The in-process log is one process: "another instance" is the same log, as it is in the embedded default.
const shared = new Map<string, ReturnType<typeof createMemoryStreamLog>>()
runStreamLogContract('memory', async (o) => {
  const key = JSON.stringify(o ?? {})
  const log = shared.get(key) ?? createMemoryStreamLog(o)
  shared.set(key, log)
  return { ...log, close: async () => undefined }
})
