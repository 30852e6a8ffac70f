import { describe, expect, it } from 'vitest'
import { DEFAULT_PAT, DEFAULT_PORT, HELP, parseCli } from './cli-args'

const pem = (path: string) => `PEM of ${path}`

describe('parseCli', () => {
  it('should default to port 9100 on 127.0.0.1 with the demo PAT', () => {
    expect(parseCli([], pem)).toEqual({
      help: false,
      options: { port: DEFAULT_PORT, host: '127.0.0.1', pats: [DEFAULT_PAT], oauthApps: [] },
    })
  })

  it('should read every option, repeatable ones included', () => {
    const argv = [
      ...['--port', '0', '--host', '0.0.0.0', '--pat', 'pat_a', '--pat', 'pat_b'],
      ...[
        '--oauth-app',
        '111:kid1:/keys/a.pem',
        '--oauth-app',
        '222:kid2:C:\\keys\\b.pem',
        '--ttft',
        '0',
        '--tps',
        '100',
      ],
    ]
    expect(parseCli(argv, pem)).toEqual({
      help: false,
      options: {
        port: 0,
        host: '0.0.0.0',
        pats: ['pat_a', 'pat_b'],
        oauthApps: [
          { appId: '111', keyId: 'kid1', publicKeyPem: 'PEM of /keys/a.pem' },
          { appId: '222', keyId: 'kid2', publicKeyPem: 'PEM of C:\\keys\\b.pem' },
        ],
        firstTokenDelayMs: 0,
        tokensPerSecond: 100,
      },
    })
  })

  it('should not add the demo PAT when an OAuth app is configured', () => {
    const cmd = parseCli(['--oauth-app', '1:k:/a.pem'], pem)
    expect(cmd.help === false && cmd.options.pats).toEqual([])
  })

  it('should pass --oauth-audience through', () => {
    const cmd = parseCli(['--oauth-audience', 'api.coze.com'], pem)
    expect(cmd.help === false && cmd.options.oauthAudience).toBe('api.coze.com')
  })

  it('should list every option in --help', () => {
    expect(parseCli(['--help'], pem)).toEqual({ help: true })
    for (const flag of [
      '--port',
      '--host',
      '--pat',
      '--oauth-app',
      '--oauth-audience',
      '--ttft',
      '--tps',
      '--help',
    ]) {
      expect(HELP).toContain(flag)
    }
  })

  it.each([
    [['--port', 'abc'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be a whole number ≤ 65535/],
    [['--tps', '-1'], /--tps/],
    [['--oauth-app', 'only-one-part'], /--oauth-app must be/],
    [['--bogus'], /Unknown option/],
  ])('should reject %j', (argv, message) => {
    expect(() => parseCli(argv, pem)).toThrow(message)
  })
})
