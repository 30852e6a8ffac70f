/** `npm run retention`: one retention pass now (`RETENTION_DAYS` must be set), audited like the timer's. */
import { runRetention } from '../../audit/retention'
import { openCliContext, runCommand } from './context'

runCommand(async () => {
  const ctx = await openCliContext()
  try {
    const days = ctx.config.retentionDays
    if (days <= 0) {
      console.error('RETENTION_DAYS is 0 (keep forever): nothing to do')
      return 2
    }
    const deleted = await runRetention({ store: ctx.store, audit: ctx.audit, days }, `cli (${ctx.operator})`)
    console.log(JSON.stringify({ days, deleted }))
    return 0
  } finally {
    await ctx.close()
  }
})
