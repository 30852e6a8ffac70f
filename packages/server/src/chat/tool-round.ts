/**
 * One round of a bot's `function` calls (SPEC §2.8): each call goes to website A's tools at once, and
 * every call gets an output (a tool's failure is an output that says so), so Coze's chat never hangs.
 */
import type { CozeToolCall } from '../core/coze/events'
import { TOOL_UNAVAILABLE_OUTPUT } from './tool-caller'
import type { SessionUser } from '../core/session-user'

/** Answers one `function` tool call; never throws (a failure is an output that says so). */
export interface ToolRunner {
  call(c: {
    toolCallId: string
    name: string
    arguments: string
    sessionId: string
    externalUserId: string | null
    conversationId: string
    messageId: string
  }): Promise<{ output: string }>
}

export function answerToolCalls(
  tools: ToolRunner | undefined,
  user: SessionUser,
  ids: { messageId: string; conversationId: string },
  calls: CozeToolCall[],
): Promise<{ toolCallId: string; output: string }[]> {
  return Promise.all(
    calls.map(async (c) => {
      const answer = tools
        ? await tools.call({
            toolCallId: c.id,
            name: c.function?.name ?? '',
            arguments: c.function?.arguments ?? '',
            sessionId: user.sessionId,
            externalUserId: user.externalUserId ?? null,
            ...ids,
          })
        : { output: TOOL_UNAVAILABLE_OUTPUT }
      return { toolCallId: c.id, output: answer.output }
    }),
  )
}
