// @vitest-environment node
import { describe, expect, it } from 'vitest'
import * as endpoints from './endpoints'

const base = 'https://chat.example/'

describe('send', () => {
  it('should POST the body as JSON and ask for an event stream', () => {
    const req = endpoints.send(base, { message: '你好', conversationId: 'c1', clientMessageId: 'u1' })
    expect(req.url).toBe('https://chat.example/api/chat/send')
    expect(req.init.method).toBe('POST')
    expect(req.init.headers).toEqual({ 'Content-Type': 'application/json', Accept: 'text/event-stream' })
    expect(JSON.parse(req.init.body as string)).toEqual({
      message: '你好',
      conversationId: 'c1',
      clientMessageId: 'u1',
    })
  })

  it('should work with an empty base (the page origin)', () => {
    expect(endpoints.send('', { message: 'x' }).url).toBe('/api/chat/send')
  })
})

describe('resume', () => {
  it('should GET the message stream with Last-Event-ID', () => {
    const req = endpoints.resume(base, 'm/1', 'm/1:7')
    expect(req.url).toBe('https://chat.example/api/chat/stream/m%2F1')
    expect(req.init.method).toBe('GET')
    expect(req.init.headers).toEqual({ Accept: 'text/event-stream', 'Last-Event-ID': 'm/1:7' })
  })

  it('should leave Last-Event-ID out to replay from the start', () => {
    expect(endpoints.resume(base, 'm1').init.headers).toEqual({ Accept: 'text/event-stream' })
  })
})

describe('cancel', () => {
  it('should POST the messageId', () => {
    const req = endpoints.cancel(base, 'm1')
    expect(req.url).toBe('https://chat.example/api/chat/cancel')
    expect(JSON.parse(req.init.body as string)).toEqual({ messageId: 'm1' })
  })
})

describe('history', () => {
  it('should put conversationId, before and limit in the query', () => {
    const req = endpoints.history(base, { conversationId: 'c 1', before: 'cur&x', limit: 20 })
    const url = new URL(req.url)
    expect(url.pathname).toBe('/api/chat/history')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      conversationId: 'c 1',
      before: 'cur&x',
      limit: '20',
    })
  })

  it('should leave out before and limit when not given', () => {
    expect(endpoints.history(base, { conversationId: 'c1' }).url).toBe(
      'https://chat.example/api/chat/history?conversationId=c1',
    )
  })
})

describe('conversations', () => {
  it('should GET the list', () => {
    expect(endpoints.conversations(base)).toEqual({
      url: 'https://chat.example/api/chat/conversations',
      init: { method: 'GET', headers: {} },
    })
  })
})

describe('welcome', () => {
  it('should GET the welcome', () => {
    expect(endpoints.welcome(base)).toEqual({
      url: 'https://chat.example/api/chat/welcome',
      init: { method: 'GET', headers: {} },
    })
  })
})

describe('clear', () => {
  it('should POST the conversation id as JSON', () => {
    const req = endpoints.clear(base, 'c1')
    expect(req.url).toBe('https://chat.example/api/chat/clear')
    expect(req.init).toMatchObject({ method: 'POST', headers: { 'Content-Type': 'application/json' } })
    expect(JSON.parse(req.init.body as string)).toEqual({ conversationId: 'c1' })
  })
})

describe('feedback', () => {
  it('should POST the rating and the comment as JSON', () => {
    const req = endpoints.feedback(base, { messageId: 'm1', rating: 'unlike', comment: '不对' })
    expect(req.url).toBe('https://chat.example/api/chat/feedback')
    expect(req.init).toMatchObject({ method: 'POST', headers: { 'Content-Type': 'application/json' } })
    expect(JSON.parse(req.init.body as string)).toEqual({
      messageId: 'm1',
      rating: 'unlike',
      comment: '不对',
    })
  })
})
