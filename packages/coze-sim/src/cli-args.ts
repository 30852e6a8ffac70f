/** Command-line options of `npm run coze-sim -- …` (cli.ts); parsing is kept apart so it can be tested. */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { CozeSimOptions, OAuthApp } from './types'

export const DEFAULT_PORT = 9100
/** Accepted when no credential is configured, so a bare `npm run coze-sim` is usable for the demo. */
export const DEFAULT_PAT = 'pat_test'

export const HELP = `Usage: npm run coze-sim -- [options]

A Coze OpenAPI simulator (see packages/coze-sim/README.md).

Options:
  --port <n>                           port to listen on (default ${DEFAULT_PORT}; 0 = random)
  --host <addr>                        address to bind (default 127.0.0.1)
  --pat <token>                        accept this personal access token (repeatable)
  --oauth-app <appId>:<keyId>:<pem>    accept JWTs of an OAuth app; <pem> is the path of its
                                       public key PEM (repeatable)
  --oauth-audience <host>              the JWT aud the token endpoint accepts (default api.coze.cn)
  --ttft <ms>                          time to the first answer token (default 150)
  --tps <n>                            answer tokens per second (default 40; 0 = as fast as possible)
  --help                               show this help

With neither --pat nor --oauth-app, the PAT "${DEFAULT_PAT}" is accepted.
Per-request scripting: markers like [[sim:drop-after=5]] in the question (see the README).`

export type CliCommand = { help: true } | { help: false; options: CozeSimOptions }

/** Throws an Error with a one-line message for the user on bad input. */
export function parseCli(argv: string[], readPem: (path: string) => string = readPemFile): CliCommand {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      pat: { type: 'string', multiple: true },
      'oauth-app': { type: 'string', multiple: true },
      'oauth-audience': { type: 'string' },
      ttft: { type: 'string' },
      tps: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.help) return { help: true }
  const oauthApps = (values['oauth-app'] ?? []).map((spec) => oauthAppOf(spec, readPem))
  const pats = values.pat ?? (oauthApps.length === 0 ? [DEFAULT_PAT] : [])
  return {
    help: false,
    options: {
      port: values.port === undefined ? DEFAULT_PORT : wholeNumber('--port', values.port, 65_535),
      host: values.host ?? '127.0.0.1',
      pats,
      oauthApps,
      ...(values['oauth-audience'] === undefined ? {} : { oauthAudience: values['oauth-audience'] }),
      ...(values.ttft === undefined ? {} : { firstTokenDelayMs: wholeNumber('--ttft', values.ttft) }),
      ...(values.tps === undefined ? {} : { tokensPerSecond: wholeNumber('--tps', values.tps) }),
    },
  }
}

function oauthAppOf(spec: string, readPem: (path: string) => string): OAuthApp {
  // The PEM path may itself contain ':' (Windows drives), so split on the first two only.
  const match = /^([^:]+):([^:]+):(.+)$/.exec(spec)
  if (!match) throw new Error(`--oauth-app must be <appId>:<keyId>:<publicKeyPemPath>, got "${spec}"`)
  return { appId: match[1]!, keyId: match[2]!, publicKeyPem: readPem(match[3]!) }
}

function wholeNumber(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > max)
    throw new Error(`${flag} must be a whole number ≤ ${max}, got "${value}"`)
  return n
}

function readPemFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    throw new Error(`cannot read public key ${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
}
