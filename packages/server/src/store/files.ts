/** `FileRepository` on Kysely: uploads, an image's bytes read only to serve them. */
import type { Kysely } from 'kysely'
import type { Database } from './db'
import { toFileRow, toFileTable } from './rows'
import type { FileRepository } from './types'

/** A file's row without its content. */
const FILE_COLUMNS = ['id', 'user_id', 'coze_file_id', 'name', 'mime', 'kind', 'bytes', 'created_at'] as const

export function fileRepository(db: Kysely<Database>): FileRepository {
  return {
    async insertFile(row) {
      await db.insertInto('chat_file').values(toFileTable(row)).execute()
    },

    async getFiles(userId, ids) {
      if (ids.length === 0) return []
      const rows = await db
        .selectFrom('chat_file')
        .select(FILE_COLUMNS)
        .where('user_id', '=', userId)
        .where('id', 'in', ids)
        .execute()
      return rows.map(toFileRow)
    },

    async getFileContent(userId, id) {
      const row = await db
        .selectFrom('chat_file')
        .selectAll()
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toFileRow(row)
    },
  }
}
