/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and tells where the time went: self time by function, by
 * package or source file, and inclusive time of the service's own functions. No clinic, no flame graph:
 * three short tables that point at the hot spot.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export interface ProfileSummary {
  file: string
  totalMs: number
  /** Sampled time not idle (the process was on a CPU). */
  busyMs: number
  selfByFunction: { fn: string; ms: number; pct: number }[]
  selfByModule: { module: string; ms: number; pct: number }[]
  inclusiveOwn: { fn: string; ms: number; pct: number }[]
}

const ROOT = process.cwd()

/** `node_modules/<pkg>`, `node:<internal>`, a repo-relative source file, or a V8 pseudo-frame. */
export function moduleOf(url: string, fn: string, line = -1): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)'
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (nm) return nm[1]!
  if (url.startsWith('node:')) return url.replace(/^node:internal\/.*/, 'node:internal')
  return sourceInBundle(url, line) ?? url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '')
}

const bundles = new Map<string, { line: number; file: string }[]>()

/** The service's bundle (scripts/build-service.ts) marks each source file's code with `// <path>`. */
function sourceInBundle(url: string, line: number): string | undefined {
  if (line < 0 || !/\/packages\/server\/dist\/.*\.js$/.test(url)) return undefined
  let sections = bundles.get(url)
  if (!sections) {
    sections = []
    try {
      const lines = readFileSync(url.replace(/^file:\/\//, ''), 'utf8').split('\n')
      lines.forEach((text, i) => {
        const m = /^\/\/ (packages\/\S+\.ts)$/.exec(text)
        if (m) sections!.push({ line: i, file: m[1]! })
      })
    } catch {
      // the bundle was removed or rebuilt: fall back to its own name
    }
    bundles.set(url, sections)
  }
  return sections.findLast((s) => s.line <= line)?.file
}

const keyOf = (n: ProfileNode) => {
  const f = n.callFrame
  const bundled = sourceInBundle(f.url, f.lineNumber)
  const where = bundled
    ? `${bundled} (dist/main.js:${f.lineNumber + 1})`
    : f.url
      ? `${moduleOf(f.url, f.functionName)}:${f.lineNumber + 1}`
      : ''
  return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`
}

export function summariseProfile(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000)
  }
  const totalMs = (p.endTime - p.startTime) / 1000
  const idle = [...byId.values()]
    .filter((n) => n.callFrame.functionName === '(idle)')
    .reduce((s, n) => s + (self.get(n.id) ?? 0), 0)
  const busyMs = [...self.values()].reduce((a, b) => a + b, 0) - idle
  const pct = (ms: number) => Math.round((ms / busyMs) * 1000) / 10

  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
  const fnSelf = new Map<string, number>()
  const modSelf = new Map<string, number>()
  for (const [id, ms] of self) {
    const n = byId.get(id)!
    if (n.callFrame.functionName === '(idle)') continue
    add(fnSelf, keyOf(n), ms)
    add(modSelf, moduleOf(n.callFrame.url, n.callFrame.functionName, n.callFrame.lineNumber), ms)
  }

  // Inclusive time of the service's own functions, counting a recursive function once per stack.
  const totals = new Map<number, number>()
  const total = (id: number): number => {
    const known = totals.get(id)
    if (known !== undefined) return known
    const n = byId.get(id)!
    const t = (self.get(id) ?? 0) + (n.children ?? []).reduce((s, c) => s + total(c), 0)
    totals.set(id, t)
    return t
  }
  const inclusive = new Map<string, number>()
  const onPath = new Map<string, number>()
  const root = p.nodes[0]!
  const stack: { id: number; leaving: boolean }[] = [{ id: root.id, leaving: false }]
  for (let guard = 0; stack.length && guard < 10_000_000; guard++) {
    const { id, leaving } = stack.pop()!
    const n = byId.get(id)!
    const own = /\/packages\/server\/(src|dist)\//.test(n.callFrame.url)
    const k = keyOf(n)
    if (leaving) {
      if (own) onPath.set(k, onPath.get(k)! - 1)
      continue
    }
    if (own) {
      if (!onPath.get(k)) add(inclusive, k, total(id))
      onPath.set(k, (onPath.get(k) ?? 0) + 1)
    }
    stack.push({ id, leaving: true })
    for (const c of n.children ?? []) stack.push({ id: c, leaving: false })
  }

  const ranked = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([k, ms]) => ({ k, ms: Math.round(ms), pct: pct(ms) }))
  return {
    file,
    totalMs: Math.round(totalMs),
    busyMs: Math.round(busyMs),
    selfByFunction: ranked(fnSelf).map(({ k, ...r }) => ({ fn: k, ...r })),
    selfByModule: ranked(modSelf).map(({ k, ...r }) => ({ module: k, ...r })),
    inclusiveOwn: ranked(inclusive).map(({ k, ...r }) => ({ fn: k, ...r })),
  }
}

export function profileMarkdown(s: ProfileSummary, top = 15): string {
  const table = (title: string, rows: { name: string; ms: number; pct: number }[]) =>
    [
      `| ${title} | ms | % of busy |`,
      '| --- | ---: | ---: |',
      ...rows.slice(0, top).map((r) => `| \`${r.name}\` | ${r.ms} | ${r.pct} |`),
    ].join('\n')
  return [
    `Profile ${s.file}: ${s.totalMs} ms recorded, ${s.busyMs} ms on CPU.`,
    '',
    table(
      'self time by module/file',
      s.selfByModule.map((r) => ({ name: r.module, ms: r.ms, pct: r.pct })),
    ),
    '',
    table(
      'self time by function',
      s.selfByFunction.map((r) => ({ name: r.fn, ms: r.ms, pct: r.pct })),
    ),
    '',
    table(
      'inclusive time, service code',
      s.inclusiveOwn.map((r) => ({ name: r.fn, ms: r.ms, pct: r.pct })),
    ),
  ].join('\n')
}

// `tsx bench/lib/profile.ts <file.cpuprofile>`: summarise a profile taken by hand.
if (process.argv[1] && import.meta.url === `file://${process.argv[1]}` && process.argv[2]) {
  console.log(profileMarkdown(summariseProfile(process.argv[2]), 25))
}
