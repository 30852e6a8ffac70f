/** Progress on stderr, stamped with seconds since the run started. */
export const startedAt = Date.now()

export const log = (s: string) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${s}\n`)

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
