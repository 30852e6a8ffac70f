import { spawn } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { childMessage } from './child-message'

const children: ReturnType<typeof spawn>[] = []
const child = (code: string) => {
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  children.push(proc)
  return proc
}
afterEach(() => {
  for (const proc of children.splice(0)) if (proc.exitCode === null) proc.kill('SIGKILL')
})

describe('childMessage', () => {
  it('should resolve with the first message that matches, skipping the others', async () => {
    const proc = child(
      `process.send({ kind: 'log' }); process.send({ kind: 'ready', url: 'x' }, () => process.disconnect())`,
    )
    await expect(childMessage<{ kind: string }>(proc, (m) => m.kind === 'ready')).resolves.toEqual({
      kind: 'ready',
      url: 'x',
    })
  })

  it('should reject with the exit code and the end of stderr when the child exits first', async () => {
    const proc = child(`console.error('no database'); process.exit(3)`)
    await expect(childMessage(proc, () => true, { what: 'the service' })).rejects.toThrow(
      /^the service exited \(code 3\) before it was ready; its output ends:\nno database$/,
    )
  })

  it('should reject with the signal when the child is killed', async () => {
    const proc = child(`setInterval(() => {}, 1000)`)
    const waiting = childMessage(proc, () => true, { what: 'the sim' })
    proc.kill('SIGTERM')
    await expect(waiting).rejects.toThrow('the sim exited (SIGTERM) before it was ready')
  })

  it('should reject after the timeout, and leave the child running', async () => {
    const proc = child(`process.send({ kind: 'other' }); setInterval(() => {}, 1000)`)
    await expect(childMessage(proc, () => false, { timeoutMs: 300 })).rejects.toThrow(
      'the child process was not ready within 300 ms',
    )
    expect(proc.exitCode).toBe(null)
  })
})
