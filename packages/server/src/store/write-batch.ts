/**
 * Writes that arrive in the same turn of the event loop leave as one statement (a multi-row INSERT, an
 * UPDATE … WHERE id IN), so a burst of session creates or answers costs the database and this process
 * one round trip and one commit instead of one each (bench findings B6 and B8). A lone write
 * waits one `setImmediate`. When a batch fails, each of its rows is tried alone, so one bad row (a
 * duplicate key) fails only its own caller.
 */
export type WriteRows<T> = (rows: T[]) => Promise<unknown>

interface Waiting<T> {
  row: T
  resolve: () => void
  reject: (err: unknown) => void
}

/** Largest batch: keeps statements well under `max_allowed_packet` and placeholder limits. */
const MAX_ROWS = 200

export function createWriteBatch<T>(write: WriteRows<T>, maxRows = MAX_ROWS): (row: T) => Promise<void> {
  let queue: Waiting<T>[] = []

  async function send(batch: Waiting<T>[]) {
    try {
      await write(batch.map((w) => w.row))
      for (const w of batch) w.resolve()
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err)
      for (const w of batch) await send([w])
    }
  }

  function flush() {
    const waiting = queue
    queue = []
    // cannot reject: `send` hands each failure to its row's caller
    for (let i = 0; i < waiting.length; i += maxRows) void send(waiting.slice(i, i + maxRows))
  }

  return (row) =>
    new Promise<void>((resolve, reject) => {
      if (!queue.length) setImmediate(flush)
      queue.push({ row, resolve, reject })
    })
}
