/**
 * The user's previous conversations (`GET /api/chat/conversations`, issue 21): what the list shows,
 * newest activity first, with the time in the reader's locale.
 */
import type { Locale } from '../settings'

export interface ConversationSummary {
  conversationId: string
  /** The first question ('' when the service has none). */
  title: string
  /** Last activity, ms since the epoch. */
  updatedAt: number
}

/** The service's list, checked and sorted (most recently active first); unusable rows are dropped. */
export function toSummaries(body: unknown): ConversationSummary[] {
  const items = (body as { items?: unknown } | null)?.items
  if (!Array.isArray(items)) return []
  const out: ConversationSummary[] = []
  for (const it of items as Record<string, unknown>[]) {
    if (!it || typeof it.conversationId !== 'string') continue
    const at = typeof it.updatedAt === 'string' ? Date.parse(it.updatedAt) : NaN
    out.push({
      conversationId: it.conversationId,
      title: typeof it.title === 'string' ? it.title : '',
      updatedAt: Number.isNaN(at) ? 0 : at,
    })
  }
  return out.sort((a, b) => b.updatedAt - a.updatedAt)
}

const intl = (locale: Locale, o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, o)

/**
 * A time as the locale writes it: the time alone today, the date and time within the year, the full
 * date before that.
 * @example formatWhen(Date.UTC(2026, 0, 2, 9, 5), 'en', Date.UTC(2026, 0, 2, 12), 'UTC') // '9:05 AM'
 */
export function formatWhen(at: number, locale: Locale, now = Date.now(), timeZone?: string): string {
  const day = (t: number, o: Intl.DateTimeFormatOptions) => intl(locale, { ...o, timeZone }).format(t)
  const ymd = { year: 'numeric', month: '2-digit', day: '2-digit' } as const
  const hm = { hour: 'numeric', minute: '2-digit' } as const
  if (day(at, ymd) === day(now, ymd)) return day(at, hm)
  if (day(at, { year: 'numeric' }) === day(now, { year: 'numeric' }))
    return day(at, { month: 'short', day: 'numeric', ...hm })
  return day(at, { year: 'numeric', month: 'short', day: 'numeric' })
}
