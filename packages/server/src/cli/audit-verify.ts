/**
 * `npm run audit:verify`: checks the whole audit chain; exits 1 at the first broken row. Prints the head
 * (seq + hash): keep it somewhere else too, since only an outside copy shows rows cut from the end.
 */
import { verifyAuditChain } from '../audit/verify'
import { openCliContext, runCommand } from './context'

runCommand(async () => {
  const ctx = await openCliContext()
  try {
    const report = await verifyAuditChain(ctx.store, ctx.chainKey)
    if (!report.ok) {
      console.error(
        `audit chain BROKEN at seq ${report.seq}: ${report.problem} (${report.rows} rows fine before it)`,
      )
      return 1
    }
    console.log(
      `audit chain ok: ${report.rows} rows; head ${report.head ? `${report.head.seq} ${report.head.hash}` : '(empty)'}`,
    )
    return 0
  } finally {
    await ctx.close()
  }
})
