/**
 * `npm run user-data -- export <phone>` prints everything stored about a phone number as JSON;
 * `npm run user-data -- erase <phone> --yes` revokes its sessions and deletes its chat data. Both audited.
 */
import { eraseUser, exportUser } from '../user-data'
import { openSessionsForCli } from './sessions'
import { openCliContext, runCommand } from './context'

const USAGE = 'usage: user-data export <phone> | user-data erase <phone> --yes'

runCommand(async () => {
  const [command, phone, confirm] = process.argv.slice(2)
  if (!phone || (command !== 'export' && command !== 'erase')) {
    console.error(USAGE)
    return 2
  }
  if (command === 'erase' && confirm !== '--yes') {
    console.error('erase deletes chat data for good: add --yes')
    return 2
  }
  const ctx = await openCliContext()
  const sessions = command === 'erase' ? await openSessionsForCli(ctx) : undefined
  try {
    const deps = { store: ctx.store, audit: ctx.audit, userIdSecret: ctx.config.userIdSecret, sessions }
    const result =
      command === 'export'
        ? await exportUser(deps, phone, ctx.operator)
        : await eraseUser(deps, phone, ctx.operator)
    console.log(JSON.stringify(result, null, 2))
    return 0
  } finally {
    await sessions?.close()
    await ctx.close()
  }
})
