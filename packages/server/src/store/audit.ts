/**
 * `AuditRepository` on Kysely: `audit_event` (append-only: inserts and reads, nothing else). A taken `seq`
 * surfaces as `false`, not as an error, because it is the normal outcome of two instances racing.
 */
import type { Insertable, Kysely, Selectable } from 'kysely'
import type { AuditEventTable, Database } from './db'
import { prepared } from './prepared'
import type { AuditRepository, AuditRow } from './types'

export function auditRepository(db: Kysely<Database>): AuditRepository {
  // Every send and session create appends: compiled once per batch size (`prepared.ts`).
  const insertRows = prepared(db, (rows: Insertable<AuditEventTable>[]) =>
    db.insertInto('audit_event').values(rows),
  )
  return {
    async appendAudit(rows) {
      if (rows.length === 0) return true
      try {
        await insertRows(rows.map(toAuditTable))
        return true
      } catch (err) {
        if (isUniqueViolation(err)) return false
        throw err
      }
    },

    async lastAudit() {
      return db
        .selectFrom('audit_event')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst()
    },

    async listAudit(afterSeq, limit) {
      const rows = await db
        .selectFrom('audit_event')
        .selectAll()
        .where('seq', '>', afterSeq)
        .orderBy('seq', 'asc')
        .limit(limit)
        .execute()
      return rows.map(toAuditRow)
    },
  }
}

/** Every audit row about one user, in chain order (for export by phone). */
export async function listAuditOfUser(db: Kysely<Database>, userId: string): Promise<AuditRow[]> {
  const rows = await db
    .selectFrom('audit_event')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('seq', 'asc')
    .execute()
  return rows.map(toAuditRow)
}

/** MySQL/MariaDB/TiDB `ER_DUP_ENTRY` (1062) or SQLite's UNIQUE/PRIMARY KEY constraint. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown }
  return (
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
}

const toAuditTable = (r: AuditRow): Insertable<AuditEventTable> => ({
  id: r.id,
  seq: r.seq,
  at: r.at,
  action: r.action,
  outcome: r.outcome,
  reason: r.reason,
  user_id: r.userId,
  phone_masked: r.phoneMasked,
  client_ip: r.clientIp,
  user_agent: r.userAgent,
  key_id: r.keyId,
  request_id: r.requestId,
  detail: r.detail,
  prev_hash: r.prevHash,
  hash: r.hash,
})

const toAuditRow = (r: Selectable<AuditEventTable>): AuditRow => ({
  id: r.id,
  seq: r.seq,
  at: r.at,
  action: r.action,
  outcome: r.outcome,
  reason: r.reason,
  userId: r.user_id,
  phoneMasked: r.phone_masked,
  clientIp: r.client_ip,
  userAgent: r.user_agent,
  keyId: r.key_id,
  requestId: r.request_id,
  detail: r.detail,
  prevHash: r.prev_hash,
  hash: r.hash,
})
