// @vitest-environment node
/**
 * The byte budget of issue 21: what a host page pays for the script tag before anyone opens the chat.
 * Reads the built loader (building `dist/` first when it is stale) and gzips it as the service does.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuild } from '../../e2e/ensure-build'

const BUDGET = 10 * 1024

describe('loader size', () => {
  let dist: string
  // A build takes longer than a test may: the hook's timeout is the longer one.
  beforeAll(() => void (dist = ensureBuild(fileURLToPath(new URL('../..', import.meta.url)))))

  it('should keep dist/volcano-chat.js within 10 kB gzip, with no Vue in it', () => {
    const loader = readFileSync(join(dist, 'volcano-chat.js'))
    const gzip = gzipSync(loader, { level: 9 }).length
    console.log(`[size] volcano-chat.js ${loader.length} B, gzip ${gzip} B (budget ${BUDGET} B)`)
    expect(gzip).toBeLessThanOrEqual(BUDGET)
    expect(loader.toString()).not.toMatch(/defineCustomElement|createApp|markdown-it|DOMPurify/i)
  })
})
