/**
 * Issue 6, must-show 3: the log of a whole chat flow (debug level, MySQL + Redis) holds no raw token, no
 * full phone number, no Coze credential and no shared secret, on success and refusal paths alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PAT, S2S_KEY, startStack, testKeyPair, type Stack } from '../../test/harness'
import { signedPost } from '../../test/signed'
import { readStream } from '../../test/sse-client'

let stack: Stack
beforeAll(async () => {
  // OAuth and a PAT both configured; the flow below makes the service use each.
  stack = await startStack({ backend: 'mysql', oauth: 'ok', pat: 'ok' })
})
afterAll(() => stack?.close())

describe('logs', () => {
  it('should carry no token, phone, Coze credential or secret over a whole chat flow', async () => {
    const user = await stack.newUser()
    const auth = { authorization: `Bearer ${user.token}` }
    const first = await stack.chat(user.token, { message: `我的手机号是 ${user.phone}，请记住` })
    const { conversationId, messageId } = first.events[0]!.data as {
      conversationId: string
      messageId: string
    }
    await stack.chat(user.token, { message: '继续', conversationId })
    await fetch(`${stack.url}/api/chat/history?conversationId=${conversationId}`, { headers: auth })
    await fetch(`${stack.url}/api/chat/conversations`, { headers: auth })
    await readStream(
      await fetch(`${stack.url}/api/chat/stream/${messageId}`, {
        headers: { ...auth, 'last-event-id': `${messageId}:0` },
      }),
    )
    await stack.send(user.token, { message: '坏了 [[sim:http=500]]' }).then(readStream)
    await stack.send(`${user.token}x`, { message: 'wrong token' })
    await signedPost(stack.url, '/api/internal/session/create', JSON.stringify({ phone: user.phone }), {
      'x-vc-signature': `v1=${'0'.repeat(64)}`,
    })
    await signedPost(stack.url, '/api/internal/session/create', JSON.stringify({ phone: 'not-a-phone' }))
    await stack.client.revokeSession({ token: user.token })
    await stack.client.revokeSession({ phone: user.phone })
    stack.sim.faults.expireAllTokens()
    stack.sim.faults.oauthDown(true) // the refresh fails: the PAT answers
    await stack.chat((await stack.newUser(user.phone)).token, { message: '令牌过期后' })
    stack.sim.faults.oauthDown(false)
    await stack.services.audit.flush()

    const log = stack.logLines.join('')
    expect(log.length).toBeGreaterThan(1000)
    const cozeTokens = new Set(
      stack.sim.requests.map((r) => r.authorization?.replace(/^Bearer /, '')).filter((t): t is string => !!t),
    )
    expect(cozeTokens).toContain(PAT)
    expect(cozeTokens.size).toBeGreaterThan(1)
    const secrets: [string, string][] = [
      ['session token', user.token],
      ['phone number', user.phone],
      ['PAT', PAT],
      ['S2S secret', S2S_KEY.secret],
      ['user-id secret', 'test-user-id-secret'],
      ['OAuth private key', testKeyPair().privateKeyPem.split('\n')[1]!],
      ...[...cozeTokens].map((t): [string, string] => ['Coze access token', t]),
    ]
    for (const [what, value] of secrets) expect(log.includes(value), what).toBe(false)
    expect(log).toContain(`${user.phone.slice(0, 3)}****${user.phone.slice(7)}`) // masked is fine
  })
})
