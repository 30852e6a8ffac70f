/**
 * The demo's own login sessions: in memory, keyed by an opaque cookie value. The phone stays here, on
 * website A's server; the browser gets only the cookie and, for the widget, the Chat Service's token.
 */
import { randomBytes } from 'node:crypto'

export const COOKIE = 'wa_sid'
const MAX_AGE_S = 8 * 3600

export interface Login {
  phone: string
  /** Chat tokens issued for this login, all revoked at logout. */
  tokens: Set<string>
  /** Their Chat Service session ids: a tool call names one (SPEC §2.8). */
  sessionIds: Set<string>
}

export function createLogins() {
  const logins = new Map<string, Login>()
  const bySession = new Map<string, Login>()
  return {
    start(phone: string): { id: string; cookie: string } {
      const id = randomBytes(32).toString('base64url')
      logins.set(id, { phone, tokens: new Set(), sessionIds: new Set() })
      return { id, cookie: `${COOKIE}=${id}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${MAX_AGE_S}` }
    },
    get(cookieHeader: string | undefined): Login | undefined {
      const id = readCookie(cookieHeader, COOKIE)
      return id ? logins.get(id) : undefined
    },
    end(cookieHeader: string | undefined): Login | undefined {
      const id = readCookie(cookieHeader, COOKIE)
      const login = id ? logins.get(id) : undefined
      if (id) logins.delete(id)
      for (const s of login?.sessionIds ?? []) bySession.delete(s)
      return login
    },
    /** Remembers a chat session issued for this login. */
    addSession(login: Login, token: string, sessionId: string) {
      login.tokens.add(token)
      login.sessionIds.add(sessionId)
      bySession.set(sessionId, login)
    },
    /** The login a Chat Service session was issued for; gone after logout. */
    bySession: (sessionId: string): Login | undefined => bySession.get(sessionId),
    clearCookie: `${COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`,
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** Mainland-China mobile number, optionally `+86` (SPEC §2.1); normalised to 11 digits. */
export function normalisePhone(input: string): string | undefined {
  const m = /^(?:\+?86)?(1[3-9]\d{9})$/.exec(input.replace(/[\s-]/g, ''))
  return m?.[1]
}

export const maskPhone = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`
