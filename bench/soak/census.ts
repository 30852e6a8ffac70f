/**
 * After the clients: a bounded wait until no row is `in_progress` (the sweeper reconciles orphans), then a
 * census of every archived row against the sim's answers and against what each client saw.
 */
import { createConnection } from 'mysql2/promise'
import type { Instance, startCluster } from '../../packages/server/test/instances'
import type { MessageStatus, Store } from '../../packages/server/src/store/types'
import type { ChatRecord } from './chats'
import { CHATS, SETTLE_MS, sleep } from './options'
import { percentile } from './report'

interface CensusInput {
  store: Store
  cluster: Awaited<ReturnType<typeof startCluster>>
  records: ChatRecord[]
  /** Every instance that ran, for the warnings in their logs. */
  instances: (Instance | undefined)[]
  clientsMs: number
  sinceStart: () => number
}

export async function takeCensus({ store, cluster, records, instances, clientsMs, sinceStart }: CensusInput) {
  // Bounded wait until no row is in_progress (the sweeper reconciles orphans).
  const settleStart = Date.now()
  let inProgress = await store.listInProgress(Date.now() + 3600_000, 1000)
  while (inProgress.length && Date.now() - settleStart < SETTLE_MS) {
    await sleep(250)
    inProgress = await store.listInProgress(Date.now() + 3600_000, 1000)
  }
  const settleMs = Date.now() - settleStart

  // Census of every row (also rows no client ever learnt the id of).
  const conn = await createConnection(cluster.db.url)
  const [rowsRaw] = await conn.query(
    'SELECT id, user_id, question, answer, status, error_code FROM chat_message ORDER BY asked_at',
  )
  await conn.end()
  const rows = rowsRaw as {
    id: string
    user_id: string
    question: string
    answer: string
    status: MessageStatus
    error_code: string | null
  }[]
  const byStatus: Record<string, number> = {}
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
  const completed = rows.filter((r) => r.status === 'completed')
  const completedEqual = completed.filter((r) => r.answer === cluster.sim.answerFor(r.question).text)
  const completedDiffer = completed.filter((r) => r.answer !== cluster.sim.answerFor(r.question).text)
  const notCompleted = rows.filter((r) => r.status !== 'completed')

  // Per chat: the row the client's messageId names, via the store.
  const rowOf = new Map<number, Awaited<ReturnType<Store['getMessage']>>>()
  for (const r of records) if (r.messageId) rowOf.set(r.i, await store.getMessage(r.userId, r.messageId))
  const clientVsRow = records.filter((r) => {
    const row = rowOf.get(r.i)
    return r.end === 'done' && row && row.status !== 'completed'
  })

  const count = (f: (r: ChatRecord) => boolean) => records.filter(f).length
  const endCounts: Record<string, number> = {}
  for (const r of records) endCounts[r.end] = (endCounts[r.end] ?? 0) + 1
  const logLines = (i: Instance | undefined) =>
    (i?.output.join('') ?? '').split('\n').filter((l) => /"level":(40|50|60)/.test(l))
  const instanceLogs = Object.fromEntries(instances.filter(Boolean).map((i) => [i!.name, logLines(i)]))

  const figures = {
    chats: CHATS,
    rows: rows.length,
    completed: byStatus.completed ?? 0,
    failed: byStatus.failed ?? 0,
    interrupted: byStatus.interrupted ?? 0,
    cancelled: byStatus.cancelled ?? 0,
    inProgressAtEnd: inProgress.length,
    completedAnswerEqualsSim: completedEqual.length,
    completedAnswerDiffers: completedDiffer.length,
    clientsEndedDone: count((r) => r.end === 'done'),
    clientsVisibleAnswerEqualsSim: count((r) => r.visibleEqualsSim),
    clientsDoneButVisibleDiffers: count((r) => r.end === 'done' && !r.visibleEqualsSim),
    clientsSeqNotIncreasing: count((r) => !r.seqOk),
    clientsDoneButRowNotCompleted: clientVsRow.length,
    clientDrops: records.reduce((n, r) => n + r.clientDrops, 0),
    chatsWithClientDrop: count((r) => r.clientDrops > 0),
    brokenByKill: records.reduce((n, r) => n + r.broken, 0),
    resumes: records.reduce((n, r) => n + r.resumes, 0),
    sendRetries: records.reduce((n, r) => n + r.sendRetries, 0),
    cozeChatsStarted: cluster.sim.stats.chatCalls,
    cozeRetrieveCalls: cluster.sim.stats.retrieveCalls,
    cozeMessageListCalls: cluster.sim.stats.messageListCalls,
    clientEnds: endCounts,
    clientsMs,
    settleMs,
    totalMs: sinceStart(),
    p50ChatMs: percentile(
      records.map((r) => r.ms),
      0.5,
    ),
    p95ChatMs: percentile(
      records.map((r) => r.ms),
      0.95,
    ),
  }

  const anomalies = {
    inProgress: inProgress.map((r) => ({ id: r.id, question: r.question, cozeChatId: r.cozeChatId })),
    completedDiffers: completedDiffer.map((r) => ({
      id: r.id,
      question: r.question,
      answer: r.answer,
      expected: cluster.sim.answerFor(r.question).text,
    })),
    notCompleted: notCompleted.map((r) => ({ id: r.id, status: r.status, errorCode: r.error_code })),
    clients: records.filter((r) => r.end !== 'done' || !r.visibleEqualsSim || !r.seqOk),
    clientDoneRowNotCompleted: clientVsRow.map((r) => ({ i: r.i, row: rowOf.get(r.i)?.status })),
  }
  const ok = inProgress.length === 0 && completedDiffer.length === 0
  return { ok, figures, anomalies, instanceWarnings: instanceLogs }
}
