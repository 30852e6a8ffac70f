import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import vectors from '../packages/client/test/signature-v1.json'

describe('scripts/sign-curl.sh', () => {
  for (const v of vectors.vectors.filter((x) => x.body !== '')) {
    it(`should print the golden signature: ${v.name}`, () => {
      const out = execFileSync(
        'bash',
        ['scripts/sign-curl.sh', 'http://unused', 'k', v.secret, v.path, v.body],
        {
          env: { ...process.env, VC_TIMESTAMP: String(v.timestamp), VC_NONCE: v.nonce, VC_PRINT_ONLY: '1' },
        },
      )
      expect(out.toString().trim()).toBe(v.signature)
    })
  }
})
