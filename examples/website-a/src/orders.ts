/**
 * The demo's "my orders" tool (SPEC §2.8): website A's own data, looked up for the user the Chat Service
 * session belongs to. The bot gets it as JSON text; the browser never calls this.
 */
export interface Order {
  id: string
  item: string
  amountYuan: number
  status: 'paid' | 'shipped' | 'delivered'
  placedAt: string
}

const ITEMS = [
  '火山引擎云服务器 2 核 4G',
  '对象存储 100 GB 包年',
  'CDN 流量包 1 TB',
  '短信套餐 1 万条',
] as const
const STATUSES = ['delivered', 'shipped', 'paid'] as const

/** Three fixed orders per phone, derived from it, so each demo user sees their own. */
export function ordersOf(phone: string): Order[] {
  const seed = Number(phone.slice(-4))
  return [0, 1, 2].map((i) => ({
    id: `A${phone.slice(-4)}-${String(i + 1).padStart(2, '0')}`,
    item: ITEMS[(seed + i) % ITEMS.length]!,
    amountYuan: 99 + ((seed * (i + 3)) % 900),
    status: STATUSES[i]!,
    placedAt: new Date(Date.UTC(2026, 0, 5 + i * 9)).toISOString().slice(0, 10),
  }))
}

/** The tool's output for Coze: newest first, at most `limit` (arguments `{"limit"?: 1..10}`). */
export function myOrdersOutput(phone: string, args: unknown): string {
  const asked = (args as { limit?: unknown } | undefined)?.limit
  const limit = typeof asked === 'number' && asked >= 1 ? Math.min(Math.floor(asked), 10) : 10
  return JSON.stringify({ orders: ordersOf(phone).reverse().slice(0, limit) })
}
