/**
 * Builds the OpenAPI 3.1 document from the routes fastify actually registered and the zod schemas in
 * `wire.ts` (via `z.toJSONSchema`), so the document cannot list a route that does not exist.
 */
import { z } from 'zod'
import { codes } from '../../core/errors'
import { errorEnvelope } from '../../core/wire'
import { ROUTE_DOCS, type RouteDoc } from './route-docs'

export interface RegisteredRoute {
  method: string
  url: string
}

type Json = Record<string, unknown>

const SIGNING =
  'Request signing v1 (README "Request signing"): `X-VC-Signature: v1=` + hex HMAC-SHA256(secret, ' +
  '"v1\\nMETHOD\\npath?query\\ntimestamp\\nnonce\\nhex(sha256(raw body))"), with `X-VC-Key-Id`, ' +
  '`X-VC-Timestamp` (Unix seconds, ±300 s) and `X-VC-Nonce` (16–64 of `[A-Za-z0-9_-]`, single use). ' +
  'The caller must also be inside `S2S_IP_ALLOWLIST`. Rotation: configure two keys, move, drop the old.'

const SIGNING_HEADERS: Json[] = [
  ['X-VC-Key-Id', 'Id of the shared secret that signed the request'],
  ['X-VC-Timestamp', 'Unix seconds; ±300 s of the server clock'],
  ['X-VC-Nonce', '16–64 of [A-Za-z0-9_-], never reused within 600 s'],
  ['X-VC-Signature', 'v1=<64 lowercase hex>'],
].map(([name, description]) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
}))

const RATE_HEADERS = Object.fromEntries(
  ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'].map((h) => [
    h,
    {
      schema: { type: 'integer' },
      description: h === 'Retry-After' ? 'Seconds (429 only)' : 'Tightest limit',
    },
  ]),
)

/** JSON Schema of a zod schema as a request sees it (before transforms), without `$schema`. */
function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
  return rest
}

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}')

function operation(route: RegisteredRoute, doc: RouteDoc | undefined): Json {
  if (!doc)
    return { summary: `${route.method} ${route.url}`, description: 'Not described yet.', responses: {} }
  const params: Json[] = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }))
  if (route.url.endsWith('*'))
    params.push({ name: 'path', in: 'path', required: true, schema: { type: 'string' } })
  if (doc.query) {
    const q = jsonSchema(doc.query) as { properties?: Record<string, Json>; required?: string[] }
    for (const [name, schema] of Object.entries(q.properties ?? {}))
      params.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema })
  }
  if (doc.auth === 's2s') params.push(...SIGNING_HEADERS)
  const content = doc.ok.schema
    ? { 'application/json': { schema: jsonSchema(doc.ok.schema) } }
    : doc.ok.media
      ? { [doc.ok.media]: { schema: { type: 'string' } } }
      : undefined
  const responses: Json = {
    [doc.ok.status]: { description: doc.ok.description, ...(content && { content }) },
  }
  if (doc.tag === 'widget' || route.url.endsWith('/session/create'))
    (responses[doc.ok.status] as Json).headers = RATE_HEADERS
  for (const status of doc.errors) responses[status] = { $ref: `#/components/responses/E${status}` }
  return {
    tags: [doc.tag],
    summary: doc.summary,
    ...(params.length && { parameters: params }),
    ...(doc.body && {
      requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } },
    }),
    ...(doc.auth && { security: [{ [doc.auth]: [] }] }),
    responses,
  }
}

/** Codes per status, for each shared error response's description. */
function errorResponses(): Json {
  const byStatus = new Map<number, string[]>()
  for (const [key, v] of Object.entries(codes)) {
    byStatus.set(v.status, [...(byStatus.get(v.status) ?? []), key.slice('VC_ERR_'.length)])
  }
  const envelope = { $ref: '#/components/schemas/Error' }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      `E${status}`,
      { description: list.join(', '), content: { 'application/json': { schema: envelope } } },
    ]),
  )
}

export function buildOpenApiDocument(routes: RegisteredRoute[], version: string): Json {
  const paths: Record<string, Json> = {}
  for (const r of routes) {
    const path = toOpenApiPath(r.url)
    paths[path] = {
      ...paths[path],
      [r.method.toLowerCase()]: operation(r, ROUTE_DOCS[`${r.method} ${r.url}`]),
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Volcano Chat Service',
      version,
      description: 'Coze-backed chat for website A: S2S identity swap, streamed chat, operations.',
    },
    tags: [
      { name: 'internal', description: "Website A's backend only: signed, IP-allowlisted, no CORS" },
      { name: 'widget', description: 'The browser widget: bearer token, CORS_ORIGINS' },
      { name: 'operations', description: 'Health, readiness, metrics, this document, widget assets' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Token from session/create' },
        s2s: { type: 'apiKey', in: 'header', name: 'X-VC-Signature', description: SIGNING },
      },
      schemas: { Error: jsonSchema(errorEnvelope) },
      responses: errorResponses(),
    },
  }
}
