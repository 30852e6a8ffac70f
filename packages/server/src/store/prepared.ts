/**
 * Hot statements compiled once per shape, then only given their values. Kysely rebuilds and recompiles
 * a query tree on every call (an INSERT of 15 columns: ≈ 14 µs here; ≈ 5 % of a send's CPU:
 * bench finding B6c). The query is built once from the input with every value swapped for a marker; the
 * markers' places in the compiled parameters say where each real value goes on later calls.
 *
 * Rule for `build`: the input's values may only be used as values (parameters), never to choose the
 * SQL (a value in an `is null`, a branch on a value): the shape of the input — keys, array lengths,
 * `undefined` — is all that may change the SQL. A value that ends up inlined in the SQL text throws.
 */
import { createQueryId, type Compilable, type Kysely, type QueryResult } from 'kysely'
import type { Database } from './db'

type Value = string | number | boolean | null
export type PreparedInput =
  Value | readonly PreparedInput[] | { readonly [key: string]: PreparedInput | undefined }

const MARK = '\u0000vc-value:'

interface Template {
  sql: string
  query: ReturnType<Compilable['compile']>['query']
  /** Per parameter: the input value's index, or a constant the builder wrote itself. */
  slots: ({ value: number } | { constant: unknown })[]
}

/**
 * @example
 * const finish = prepared(db, (i: { id: string; status: string }) =>
 *   db.updateTable('chat_message').set({ status: i.status }).where('id', '=', i.id))
 * const { numAffectedRows } = await finish({ id, status: 'completed' })
 */
export function prepared<I extends PreparedInput, R>(
  db: Kysely<Database>,
  build: (input: I) => Compilable<R>,
): (input: I) => Promise<QueryResult<R>> {
  const templates = new Map<string, Template>()
  return async (input) => {
    const values: Value[] = []
    const shape = walk(input, values)
    let t = templates.get(shape)
    if (!t) templates.set(shape, (t = compile(build, input)))
    const parameters = t.slots.map((s) => ('value' in s ? values[s.value] : s.constant))
    return db.executeQuery<R>({ sql: t.sql, query: t.query, parameters, queryId: createQueryId() })
  }
}

/** Appends the input's values in a fixed order; returns its shape (everything but the values). */
function walk(input: PreparedInput | undefined, values: Value[]): string {
  if (input === undefined) return 'u'
  if (input === null || typeof input !== 'object') {
    values.push(input)
    return ''
  }
  if (Array.isArray(input)) return `[${input.map((item: PreparedInput) => walk(item, values)).join(',')}]`
  let shape = '{'
  for (const key in input) shape += `${key}:${walk((input as Record<string, PreparedInput>)[key], values)},`
  return `${shape}}`
}

function compile<I extends PreparedInput>(build: (input: I) => Compilable<unknown>, input: I): Template {
  let n = 0
  const marked = mark(input, () => `${MARK}${n++}`) as I
  const compiled = build(marked).compile()
  if (compiled.sql.includes(MARK)) throw new Error(`prepared: a value was inlined in ${compiled.sql}`)
  const slots = compiled.parameters.map((p) =>
    typeof p === 'string' && p.startsWith(MARK) ? { value: Number(p.slice(MARK.length)) } : { constant: p },
  )
  return { sql: compiled.sql, query: compiled.query, slots }
}

function mark(input: PreparedInput | undefined, next: () => string): PreparedInput | undefined {
  if (input === undefined) return undefined
  if (input === null || typeof input !== 'object') return next()
  if (Array.isArray(input)) return input.map((item: PreparedInput) => mark(item, next)) as PreparedInput[]
  const out: Record<string, PreparedInput | undefined> = {}
  for (const key in input) out[key] = mark((input as Record<string, PreparedInput>)[key], next)
  return out
}
