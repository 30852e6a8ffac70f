import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { renderSqlSnapshot, snapshotPath } from './sql-snapshot'

describe('renderSqlSnapshot', () => {
  it.each(['mysql', 'sqlite'] as const)(
    'should match store/__sql__/%s.sql (else run npm run sql:snapshot)',
    async (dialect) => {
      const onDisk = await readFile(snapshotPath(dialect), 'utf8')
      expect(await renderSqlSnapshot(dialect), 'stale: run `npm run sql:snapshot` and review the diff').toBe(
        onDisk,
      )
    },
  )

  it('should record both queries of a paged history read', async () => {
    expect(await renderSqlSnapshot('sqlite')).toMatch(
      /-- Store.listMessages\(\{ beforeId \}\)\nselect .*;\nselect .*;\n/,
    )
  })
})
