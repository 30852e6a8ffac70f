/**
 * The one polling helper of the tests and fixtures (plain Node, so global setup can use it too): tests
 * wait for a state, never for a fixed time, and say what they waited for when it never came.
 */
export interface WaitOptions {
  /** Named in the error: "<what> within <timeoutMs> ms". */
  what?: string
  timeoutMs?: number
  intervalMs?: number
}

/**
 * Calls `check` until it returns something other than `false`/`undefined`/`null` (a thrown error counts
 * as not yet), and resolves with that value.
 *
 * @example
 * await waitFor(async () => (await fetch(url)).ok || undefined, { what: 'the service answering' })
 */
export async function waitFor<T>(
  check: () => T | false | null | undefined | Promise<T | false | null | undefined>,
  { what = 'condition', timeoutMs = 10_000, intervalMs = 20 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== false && value !== undefined && value !== null) return value
      last = value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not met within ${timeoutMs} ms (last: ${String(last)})`, { cause: last })
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
