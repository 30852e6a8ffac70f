/** The soak's Markdown table on stdout. */

export function percentile(xs: number[], p: number) {
  const s = [...xs].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0
}

export function printTable(f: Record<string, unknown>, c: Record<string, unknown>) {
  const rows: [string, unknown][] = [
    ['chats sent', f.chats],
    ['rows in chat_message', f.rows],
    ['rows `completed`', f.completed],
    ['rows `failed`', f.failed],
    ['rows `interrupted`', f.interrupted],
    ['rows `cancelled`', f.cancelled],
    ['rows `in_progress` at the end', f.inProgressAtEnd],
    ['`completed` rows whose answer = sim', f.completedAnswerEqualsSim],
    ['`completed` rows whose answer ≠ sim', f.completedAnswerDiffers],
    ['clients ended with `done`', f.clientsEndedDone],
    ['clients whose visible answer = sim', f.clientsVisibleAnswerEqualsSim],
    ['clients `done` but visible ≠ sim', f.clientsDoneButVisibleDiffers],
    ['clients with a non-increasing seq', f.clientsSeqNotIncreasing],
    ['clients `done` but row not `completed`', f.clientsDoneButRowNotCompleted],
    ['client drops (chats with one)', `${String(f.clientDrops)} (${String(f.chatsWithClientDrop)})`],
    ['connections cut by the kill', f.brokenByKill],
    ['resumes (Last-Event-ID)', f.resumes],
    ['send retries before `meta`', f.sendRetries],
    ['Coze chats started on the sim', f.cozeChatsStarted],
    [
      'sim retrieve / message-list calls (recovery)',
      `${String(f.cozeRetrieveCalls)} / ${String(f.cozeMessageListCalls)}`,
    ],
    ['client endings', JSON.stringify(f.clientEnds)],
    ['chat p50 / p95 (ms)', `${String(f.p50ChatMs)} / ${String(f.p95ChatMs)}`],
    [
      'clients phase / settle / total (ms)',
      `${String(f.clientsMs)} / ${String(f.settleMs)} / ${String(f.totalMs)}`,
    ],
  ]
  const kill = c.kill as { atMs?: number; restartedAtMs?: number; openOnAAtKill?: number }
  console.log('\n| Soak | value |\n| --- | --- |')
  for (const [k, v] of rows) console.log(`| ${k} | ${String(v)} |`)
  console.log(
    `\nseed ${String(c.seed)}, concurrency ${String(c.concurrency)}, drop rate ${String(c.dropRate)}, ` +
      `A SIGKILLed at chat ${String(c.killAtChat)} (${String(kill.atMs)} ms, ${String(kill.openOnAAtKill)} open ` +
      `streams on A), A' up at ${String(kill.restartedAtMs)} ms; ${String(c.cpus)} CPUs, load ` +
      `${JSON.stringify(c.loadavgBefore)} → ${JSON.stringify(c.loadavgAfter)}, node ${String(c.node)}`,
  )
}
