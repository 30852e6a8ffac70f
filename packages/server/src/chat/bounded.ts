/**
 * Cleanup that never hangs an ending answer (issue 19): a step's value, or undefined once it failed or
 * took longer than its bound, logged either way. The step itself goes on in the background.
 */
import type { Logger } from 'pino'

export function createBounded(log: Logger, ms: number) {
  return function bounded<T>(p: Promise<T>, what: string): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        log.warn({ what, ms }, 'cleanup step timed out; going on')
        resolve(undefined)
      }, ms)
    })
    const settled = p.then(
      (v) => v,
      (err: unknown) => {
        log.warn({ err, what }, 'cleanup step failed; going on')
        return undefined
      },
    )
    return Promise.race([settled, late]).finally(() => clearTimeout(timer))
  }
}
