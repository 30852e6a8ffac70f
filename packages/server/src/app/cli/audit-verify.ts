/**
 * `npm run audit:verify [-- --head-file <path>]`: checks the whole audit chain; exits 1 at the first
 * broken row. With a head file (default `AUDIT_HEAD_FILE`; the service's log works too) every head
 * exported there must still be in the chain, which catches rows cut from the end and a chain rebuilt
 * by someone holding the key (issue 20 #5). Prints the head: keep it somewhere else too.
 */
import { readFile } from 'node:fs/promises'
import { parseHeads, verifyAuditChain, type Heads } from '../../audit/verify'
import { openCliContext, runCommand } from './context'

const USAGE = 'usage: audit-verify [--head-file <path>]'

runCommand(async () => {
  const args = process.argv.slice(2)
  const at = args.indexOf('--head-file')
  if ((at >= 0 && !args[at + 1]) || args.length !== (at >= 0 ? 2 : 0)) {
    console.error(USAGE)
    return 2
  }
  const ctx = await openCliContext()
  try {
    const headFile = at >= 0 ? args[at + 1] : ctx.config.audit.headFile
    // A head file that is named but missing is a failure: deleting it must not turn the check off.
    const heads: Heads = headFile ? parseHeads(await readFile(headFile, 'utf8')) : new Map()
    if (headFile && !heads.size) {
      console.error(`audit chain NOT VERIFIED: no exported head in ${headFile}`)
      return 1
    }
    const report = await verifyAuditChain(ctx.store, ctx.chainKey, heads)
    if (!report.ok) {
      console.error(
        `audit chain BROKEN at seq ${report.seq}: ${report.problem} (${report.rows} rows fine before it)`,
      )
      return 1
    }
    const head = report.head ? `${report.head.seq} ${report.head.hash}` : '(empty)'
    const against = headFile ? `; ${report.headsChecked} exported heads matched` : ''
    console.log(`audit chain ok: ${report.rows} rows; head ${head}${against}`)
    return 0
  } finally {
    await ctx.close()
  }
})
