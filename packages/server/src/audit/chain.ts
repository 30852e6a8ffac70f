/**
 * The audit hash chain (issue 6): each row's `hash` is HMAC-SHA256 over its own fields and the previous
 * row's hash. Keyed by `AUDIT_KEY`, a secret of its own (issue 20 #5: it used to come from
 * `USER_ID_SECRET`, which every operator exporting user data holds), so someone who can write to the
 * database cannot rebuild a valid chain after editing a row; `seq` without gaps makes a deleted row
 * show too, and a head exported outside the database (head-export.ts) shows rows cut from the end, or
 * a chain rebuilt by someone who does hold the key.
 */
import { createHmac } from 'node:crypto'
import type { AuditRow } from '../store/types'

/** `prevHash` of the first row. */
export const GENESIS = '0'.repeat(64)

/**
 * The chain key, from `AUDIT_KEY` only.
 * @example const key = chainKeyFrom(config.audit.key)
 */
export const chainKeyFrom = (auditKey: string) =>
  createHmac('sha256', auditKey).update('volcano-chat audit chain v2').digest()

/** Every field but `hash`, in a fixed order; JSON keeps strings and nulls unambiguous. */
export function hashOf(key: Buffer, row: Omit<AuditRow, 'hash'>): string {
  const fields = [
    row.seq,
    row.id,
    row.at,
    row.action,
    row.outcome,
    row.reason,
    row.userId,
    row.phoneMasked,
    row.clientIp,
    row.userAgent,
    row.keyId,
    row.requestId,
    row.detail,
    row.prevHash,
  ]
  return createHmac('sha256', key).update(JSON.stringify(fields)).digest('hex')
}
