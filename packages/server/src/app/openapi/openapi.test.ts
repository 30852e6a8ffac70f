/**
 * Issue 6, must-show 5 (OpenAPI half): `/openapi.json` validates as OpenAPI 3.1 and lists every route
 * the app registered, each described; `/docs` serves Swagger UI.
 */
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../../test/harness'

let stack_: Stack
let doc: {
  openapi: string
  paths: Record<string, Record<string, { summary: string; description?: string; security?: unknown[] }>>
  components: { securitySchemes: Record<string, { description?: string }> }
}
beforeAll(async () => {
  stack_ = await startStack({ backend: 'embedded' })
  const res = await fetch(`${stack_.url}/openapi.json`)
  expect(res.status).toBe(200)
  doc = (await res.json()) as typeof doc
})
afterAll(() => stack_?.close())

/**
 * Every route the app serves, read from fastify's own route tree (not from the plugin that builds the
 * document), as `METHOD /path/{param}`; HEAD/OPTIONS and Swagger UI's own routes left out.
 */
function registeredRoutes(): string[] {
  const stack: string[] = []
  const out: string[] = []
  for (const line of stack_.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.+) \(([A-Z, ]+)\)$/.exec(line)
    if (!m) continue
    const depth = m[1]!.length / 4
    stack.length = depth
    stack.push(m[2]!)
    const path = stack.join('')
    // A wildcard route prints without its prefix (`/widget/*` as `*`): the hasRoute check covers it.
    if (/^\/docs(\/|$)/.test(path) || path === '*') continue
    for (const method of m[3]!.split(', ').filter((x) => x !== 'HEAD' && x !== 'OPTIONS'))
      out.push(`${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}')}`)
  }
  return out
}

describe('GET /openapi.json', () => {
  it('should validate as OpenAPI 3.1', async () => {
    const result = await new Validator().validate(doc as never)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(doc.openapi).toBe('3.1.0')
  })

  it('should list every registered route, each described', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    expect(documented).toEqual(expect.arrayContaining(registeredRoutes()))
    for (const op of documented) {
      const [method, path] = op.split(' ') as [string, string]
      const url = path.replace(/\{path\}$/, '*').replace(/\{([A-Za-z0-9_]+)\}/g, ':$1')
      expect(stack_.app.hasRoute({ method, url }), `${op} is documented but not served`).toBe(true)
    }
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        expect(op.description, `${method} ${path} needs an entry in app/openapi/route-docs.ts`).not.toBe(
          'Not described yet.',
        )
  })

  it('should document the signing scheme on the internal endpoints', () => {
    const create = doc.paths['/api/internal/session/create']!.post!
    expect(create.security).toEqual([{ s2s: [] }])
    expect(JSON.stringify(create)).toContain('X-VC-Nonce')
    expect(doc.components.securitySchemes.s2s!.description).toMatch(/HMAC-SHA256/)
    expect(doc.paths['/api/chat/send']!.post!.security).toEqual([{ bearer: [] }])
  })
})

describe('GET /docs', () => {
  it('should serve Swagger UI with its own CSP', async () => {
    const res = await fetch(`${stack_.url}/docs/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(await res.text()).toMatch(/swagger/i)
  })
})
