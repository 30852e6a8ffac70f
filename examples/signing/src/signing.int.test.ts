/** The non-Node signing samples agree with every golden vector, on machines that have their runtime. */
import { execFileSync, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import vectors from '../../../packages/client/test/signature-v1.json'

const here = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url))
const has = (cmd: string, arg: string) => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0
const README_SIGNATURE = 'v1=84ad1df7b631779f8eac35ba63ecc64b7e8586e9c3b5d0567f32c6a44989eb7c'

const samples = [
  { name: 'java', run: ['java', here('java/VcSigner.java')], present: has('java', '-version') },
  { name: 'python', run: ['python3', here('python/vc_sign.py')], present: has('python3', '--version') },
  { name: 'shell', run: ['bash', here('shell/sign.sh')], present: has('openssl', 'version') },
]

for (const s of samples) {
  describe.runIf(s.present)(`${s.name} signer`, () => {
    const [cmd, ...base] = s.run as [string, ...string[]]
    const sign = (...args: string[]) => execFileSync(cmd, [...base, ...args], { encoding: 'utf8' }).trim()

    it('should print the README test vector when run without arguments', () => {
      expect(sign()).toBe(README_SIGNATURE)
    })

    it('should match every golden vector', () => {
      for (const v of vectors.vectors) {
        expect(sign(v.secret, v.method, v.path, String(v.timestamp), v.nonce, v.body), v.name).toBe(
          v.signature,
        )
      }
    }, 60_000)
  })
}
