/**
 * Reads a V8 heap snapshot (node --heapsnapshot-signal) and groups its objects by constructor: what
 * fills the heap while the service holds idle streams, per held stream.
 */
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

export type HeapGroups = Map<string, { count: number; bytes: number }>

export interface HeapSummary {
  baseline: string
  held: string
  streams: number
  /** Growth of the whole heap from the baseline, per held stream. */
  bytesPerStream: number
  top: { kind: string; count: number; kb: number; perStreamBytes: number }[]
}

/** Objects by constructor (`object`, `native`) or by kind (strings, closures, arrays, code…). */
export function heapGroups(file: string): HeapGroups {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const fields = s.snapshot.meta.node_fields
  const types = s.snapshot.meta.node_types[0]
  const width = fields.length
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
  const groups: HeapGroups = new Map()
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType!]!]!
    const name = s.strings[s.nodes[i + iName!]!] ?? ''
    const kind =
      type === 'object' || type === 'native' ? name : type.endsWith('string') ? '(string)' : `(${type})`
    const g = groups.get(kind) ?? { count: 0, bytes: 0 }
    g.count++
    g.bytes += s.nodes[i + iSize!]!
    groups.set(kind, g)
  }
  return groups
}

/** What grew between a snapshot without held streams and one with `streams` of them. */
export function diffHeap(baseline: string, held: string, streams: number, top = 25): HeapSummary {
  const a = heapGroups(baseline)
  const b = heapGroups(held)
  const total = (g: HeapGroups) => [...g.values()].reduce((x, y) => x + y.bytes, 0)
  const n = Math.max(1, streams)
  const rows = [...b].map(([kind, g]) => {
    const base = a.get(kind) ?? { count: 0, bytes: 0 }
    return { kind, count: g.count - base.count, bytes: g.bytes - base.bytes }
  })
  return {
    baseline,
    held,
    streams,
    bytesPerStream: Math.round((total(b) - total(a)) / n),
    top: rows
      .sort((x, y) => y.bytes - x.bytes)
      .slice(0, top)
      .map((r) => ({
        kind: r.kind,
        count: r.count,
        kb: Math.round(r.bytes / 1024),
        perStreamBytes: Math.round(r.bytes / n),
      })),
  }
}

export function heapMarkdown(h: HeapSummary): string {
  return [
    `Heap growth with ${h.streams} held streams (${h.held} against ${h.baseline}): ` +
      `${h.bytesPerStream.toLocaleString('en-US')} bytes of JS heap per stream.`,
    '',
    '| constructor / kind | objects added | KB | bytes per held stream |',
    '| --- | ---: | ---: | ---: |',
    ...h.top.map((r) => `| \`${r.kind}\` | ${r.count} | ${r.kb} | ${r.perStreamBytes} |`),
  ].join('\n')
}
