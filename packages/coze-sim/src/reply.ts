/**
 * JSON replies in Coze's envelope (coze-protocol.md §1.4): `{code,msg,data}` on success,
 * `{code,msg,detail:{logid}}` on error, with the same logid as the `x-tt-logid` header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** A business error: HTTP 200 + code by default, as the SDK test suites mock it. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = 200,
  ) {
    super(message)
  }
}

export const MSG = {
  auth: 'authentication is invalid',
  /** chat-sdk's English text for 4101 (js `chat-sdk/src/libs/i18n/resource/simple/en.ts`). */
  forbidden: 'The personal access token currently used does not have permission to access the resource',
  badRequest: 'The field http body provided is not a valid json or chat request',
  conversationMissing: 'The specified conversation does not exist',
  chatMissing: 'The specified chat does not exist',
  busy: 'A chat is already in progress in this conversation. Please wait until it finishes or cancel it.',
  notCancelable: 'This chat cannot be canceled: it has already finished',
  rateLimit: 'The model request rate limit has been exceeded. Please try again later.',
  server: "We're currently experiencing server issues. Please try again later.",
} as const

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

export const sendData = (res: ServerResponse, data: unknown) => sendJson(res, 200, { code: 0, msg: '', data })

export function sendError(res: ServerResponse, logid: string, e: ApiError): void {
  sendJson(res, e.status, { code: e.code, msg: e.message, detail: { logid } })
}

/** The token from `Authorization: Bearer …` (any case), or undefined. */
export function bearerOf(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
  return match?.[1]
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const part of req) parts.push(part as Buffer)
  return Buffer.concat(parts)
}

/** Parsed JSON, `undefined` for an empty body; throws code 4000 for anything else. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new ApiError(4000, MSG.badRequest)
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** `meta_data` and friends: a string→string map, or undefined when absent. */
export function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw new ApiError(4000, MSG.badRequest)
  return v as Record<string, string>
}
