/**
 * Child services listen on port 0 and say where: the Chat Service sends `{ listening: url }` over the IPC
 * channel it is given (main.ts), so nothing picks a "free" port first and races another process for it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { childMessage } from './child-message'

export interface ListeningChild {
  proc: ChildProcess
  url: string
  /** Everything it wrote to stdout and stderr so far (and later). */
  output: string[]
}

/**
 * Spawns `node <script>` with an IPC channel and resolves once it reports the URL it listens on;
 * rejects (and kills it) when it exits first or stays silent for `timeoutMs`.
 */
export function spawnListening(
  script: string,
  options: Omit<SpawnOptions, 'stdio'> & { timeoutMs?: number },
): Promise<ListeningChild> {
  const { timeoutMs = 30_000, ...spawnOptions } = options
  // One process (not an npm wrapper), so signals reach the service itself.
  const proc = spawn(process.execPath, [script], {
    ...spawnOptions,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const output: string[] = []
  proc.stdout!.on('data', (b: Buffer) => output.push(b.toString()))
  proc.stderr!.on('data', (b: Buffer) => output.push(b.toString()))
  return childMessage<{ listening?: unknown }>(proc, (m) => typeof m.listening === 'string', {
    what: script,
    timeoutMs,
    output: () => output.join(''),
  }).then(
    (m) => {
      // The channel has done its job: without it the child's event loop may end like production's.
      proc.disconnect()
      return { proc, url: m.listening as string, output }
    },
    (err: Error) => {
      proc.kill('SIGKILL')
      throw err
    },
  )
}
