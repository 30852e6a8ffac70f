/**
 * The audit hash chain (issue 6): each row's `hash` is HMAC-SHA256 over its own fields and the previous
 * row's hash. Keyed, so someone who can write to the database but does not hold `USER_ID_SECRET` cannot
 * rebuild a valid chain after editing a row; `seq` without gaps makes a deleted row show too.
 */
import { createHmac } from 'node:crypto'
import type { AuditRow } from '../store/types'

/** `prevHash` of the first row. */
export const GENESIS = '0'.repeat(64)

/** The chain key, derived from the service secret so no extra secret needs managing. */
export const chainKeyFrom = (userIdSecret: string) =>
  createHmac('sha256', userIdSecret).update('volcano-chat audit chain v1').digest()

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
