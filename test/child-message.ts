/**
 * Waiting for a child process to say something over its IPC channel (`ready`, `listening`): the one way
 * the tests and the bench do it, so a child that dies first fails the wait at once and says why.
 */
import type { ChildProcess } from 'node:child_process'

export interface ChildMessageOptions {
  /** Named in the errors: "<what> exited (code 1) before …". */
  what?: string
  timeoutMs?: number
  /** What the child wrote, for the errors to quote the end of (default: its stderr from now on). */
  output?: () => string
}

/** How much of the child's output an error quotes (the end of it, where the reason usually is). */
const TAIL_CHARS = 2000

/**
 * Resolves with the first IPC message of `child` that `match` accepts (a `match` that throws counts as
 * no). Rejects when the child fails to start, exits first (with its code or signal and the end of its
 * output) or sends nothing that matches within `timeoutMs`. Leaves the child running either way.
 */
export function childMessage<T>(
  child: ChildProcess,
  match: (message: T) => boolean,
  { what = 'the child process', timeoutMs = 30_000, output }: ChildMessageOptions = {},
): Promise<T> {
  let tail = ''
  const onStderr = (b: Buffer) => void (tail = (tail + b.toString()).slice(-TAIL_CHARS))
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('close', onExit)
      child.off('error', onError)
      child.stderr?.off('data', onStderr)
    }
    const fail = (why: string) => {
      done()
      const said = (output?.() ?? tail).slice(-TAIL_CHARS).trimEnd()
      reject(new Error(`${what} ${why}${said.trim() ? `; its output ends:\n${said}` : ''}`))
    }
    const onMessage = (message: T) => {
      let matched = false
      try {
        matched = match(message)
      } catch {
        // not this one
      }
      if (!matched) return
      done()
      resolve(message)
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited (${signal ?? `code ${code}`}) before it was ready`)
    const onError = (err: Error) => fail(`failed (${err.message})`)
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs)
    child.on('message', onMessage)
    // 'close', not 'exit': by then its stdio has ended, so the quoted output is all there is.
    child.once('close', onExit)
    child.once('error', onError)
    if (!output) child.stderr?.on('data', onStderr)
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode)
  })
}
