import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { installJsonBody } from './body'

async function appWith(keepRaw: boolean) {
  const app = Fastify()
  installJsonBody(app, { keepRaw })
  app.post('/', async (request) => ({ body: request.body, raw: request.rawBody?.toString('utf8') ?? null }))
  await app.ready()
  return app
}

describe('installJsonBody', () => {
  const payload = '{"message":"你好"}'

  it('should keep the raw bytes only where asked (they pin a buffer-pool slab per open request)', async () => {
    for (const keepRaw of [true, false]) {
      const app = await appWith(keepRaw)
      const res = await app.inject({
        method: 'POST',
        url: '/',
        payload,
        headers: { 'content-type': 'application/json' },
      })
      expect(res.json()).toEqual({ body: { message: '你好' }, raw: keepRaw ? payload : null })
      await app.close()
    }
  })

  it('should answer 400 to a body that is not JSON', async () => {
    const app = await appWith(false)
    const res = await app.inject({
      method: 'POST',
      url: '/',
      payload: '{',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.statusCode).toBe(400)
    await app.close()
  })
})
