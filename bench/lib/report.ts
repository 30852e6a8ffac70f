/** The Markdown table printed on stdout (and kept in the JSON beside the raw results). */

export interface Row {
  scenario: string
  metric: string
  unit: string
  a?: number | null
  b?: number | null
  c?: number | null
  /** Print (b)−(a) and (c)−(a) (latencies: what the middle adds). */
  added?: boolean
  /** The issue's target for (c), in words, and whether (c) meets it. */
  target?: string
  pass?: boolean
  note?: string
}

const fmt = (v: number | null | undefined, unit: string) => {
  if (v === undefined) return '–'
  if (v === null || !Number.isFinite(v)) return 'n/a'
  const abs = Math.abs(v)
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 0 : abs >= 10 ? 1 : 2
  return `${v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit ? ` ${unit}` : ''}`
}

const diff = (x: number | null | undefined, a: number | null | undefined, unit: string) =>
  x === undefined || x === null || a === undefined || a === null ? '–' : fmt(x - a, unit)

/** `proxy` names way (b): nginx, or the bare Node relay (`--proxy node`). */
export function markdownTable(rows: Row[], proxy = 'nginx'): string {
  const head =
    `| scenario | metric | (a) direct | (b) ${proxy} | (c) service | (b)−(a) | (c)−(a) | target for (c) |\n` +
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |'
  const lines = rows.map((r) => {
    const target = r.target ? `${r.target} ${r.pass === undefined ? '' : r.pass ? '✅' : '❌'}`.trim() : ''
    const metric = r.note ? `${r.metric} (${r.note})` : r.metric
    return `| ${r.scenario} | ${metric} | ${fmt(r.a, r.unit)} | ${fmt(r.b, r.unit)} | ${fmt(r.c, r.unit)} | ${
      r.added ? diff(r.b, r.a, r.unit) : ''
    } | ${r.added ? diff(r.c, r.a, r.unit) : ''} | ${target} |`
  })
  return [head, ...lines].join('\n')
}
