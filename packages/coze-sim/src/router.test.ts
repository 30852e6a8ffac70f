import { describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { createRouter, type Route } from './router'
import { startTestSim } from './test-support'

const route = (methods: string[], path: string): Route => ({
  methods,
  path,
  auth: false,
  handle: () => undefined,
})

describe('createRouter', () => {
  it('should match by exact path and method', () => {
    const router = createRouter()
    const retrieve = route(['GET', 'POST'], '/v3/chat/retrieve')
    const chat = route(['POST'], '/v3/chat')
    router.add(retrieve, chat)
    expect(router.match('GET', '/v3/chat/retrieve')).toBe(retrieve)
    expect(router.match('POST', '/v3/chat')).toBe(chat)
    expect(router.match('GET', '/v3/chat')).toBeUndefined()
    expect(router.match('POST', '/v3/chat/')).toBeUndefined()
  })

  it('should hand an upgrade to its handler, or answer 404 with a logid', async () => {
    const router = createRouter()
    const handled: string[] = []
    router.addUpgrade('/v1/audio/speech', (req, socket) => {
      handled.push(req.url ?? '')
      socket.destroy()
    })
    const fakeReq = (url: string) => ({ url }) as never
    const written: string[] = []
    const fakeSocket = { end: (s: string) => void written.push(s), destroy: () => undefined } as never
    router.upgrade(fakeReq('/v1/audio/speech?x=1'), fakeSocket, Buffer.alloc(0), 'LOG')
    router.upgrade(fakeReq('/v1/audio/nope'), fakeSocket, Buffer.alloc(0), 'LOG')
    expect(handled).toEqual(['/v1/audio/speech?x=1'])
    expect(written[0]).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*x-tt-logid: LOG\r\n[\s\S]*"logid":"LOG"/)
  })

  it('should answer an upgrade on a path without a WebSocket route with 404', async () => {
    const sim = await startTestSim()
    try {
      const reply = await new Promise<string>((resolve) => {
        const socket = connect(sim.port, '127.0.0.1', () => {
          socket.write(
            'GET /v1/chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          )
        })
        let text = ''
        socket.on('data', (d) => (text += d))
        socket.on('close', () => resolve(text))
      })
      expect(reply).toMatch(/^HTTP\/1\.1 404/)
    } finally {
      await sim.close()
    }
  })
})
