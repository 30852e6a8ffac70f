/**
 * Attachments on the real stack (SPEC §2.4, issue 21): `POST /api/chat/files` types uploads by their
 * bytes, caps their size without reading past it, limits them per user and hands them to Coze's file
 * API; `send` takes them as one `object_string` question; history and `GET /api/chat/files/:fileId`
 * show them again, to their owner only.
 */
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../../test/harness'
import { openRaw } from '../../../test/raw-http'

const FILES_PER_MINUTE = 5
let stack: Stack
/** Server-side sockets by the client's port, to read how many bytes the server took in. */
const sockets = new Map<number, Socket>()
beforeAll(async () => {
  stack = await startStack({
    backend: 'mysql',
    env: { RATE_LIMIT_FILES_PER_MINUTE: String(FILES_PER_MINUTE) },
  })
  stack.app.server.on('connection', (s: Socket) => sockets.set(s.remotePort!, s))
})
afterAll(() => stack?.close())

/** A 1×1 PNG, with every byte value after it so a mangled body shows. */
const PNG = Buffer.concat([
  Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
      '1f15c4890000000d49444154789c63f8cfc0f01f0005000201e226059b0000000049454e44ae426082',
    'hex',
  ),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
])
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n')

function upload(token: string, bytes: Buffer, name: string, type = 'application/octet-stream') {
  const form = new FormData()
  form.append('file', new Blob([bytes], { type }), name)
  return fetch(`${stack.url}/api/chat/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  })
}

async function uploaded(token: string, bytes: Buffer, name: string) {
  const res = await upload(token, bytes, name)
  expect(res.status).toBe(201)
  return (await res.json()) as { fileId: string; name: string; kind: string; mime: string; bytes: number }
}

const getFile = (token: string, fileId: string) =>
  fetch(`${stack.url}/api/chat/files/${fileId}`, { headers: { authorization: `Bearer ${token}` } })

/** The `additional_messages` of every chat the sim receives while `run` runs. */
async function chatsHeard(run: () => Promise<unknown>) {
  const bodies: { additional_messages: { content: string; content_type: string }[] }[] = []
  const onChat = (r: { body?: unknown }) => bodies.push(r.body as (typeof bodies)[number])
  stack.sim.on('chat', onChat)
  try {
    await run()
  } finally {
    stack.sim.off('chat', onChat)
  }
  return bodies.map((b) => b.additional_messages)
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))])

describe('POST /api/chat/files', () => {
  it('should take a PNG whatever its declared type, 201, and hand its bytes to Coze', async () => {
    const user = await stack.newUser()
    const res = await upload(user.token, PNG, 'clipboard image.png', 'text/plain')
    expect(res.status).toBe(201)
    const file = (await res.json()) as { fileId: string }
    expect(file).toEqual({
      fileId: expect.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      name: 'clipboard image.png',
      kind: 'image',
      mime: 'image/png',
      bytes: PNG.length,
    })
    const [row] = await stack.store.getFiles(user.userId, [file.fileId])
    expect(stack.sim.file(row!.cozeFileId)?.content.equals(PNG)).toBe(true)
  })

  it('should take a PDF as a file, and keep no content for it', async () => {
    const user = await stack.newUser()
    const file = await uploaded(user.token, PDF, 'report.pdf')
    expect(file).toMatchObject({ kind: 'file', mime: 'application/pdf', bytes: PDF.length })
    expect((await getFile(user.token, file.fileId)).status).toBe(404)
  })

  it('should refuse a program renamed .png with 415 FILE_TYPE_NOT_ALLOWED, and send Coze nothing', async () => {
    const user = await stack.newUser()
    const uploads = stack.sim.requests.filter((r) => r.path.startsWith('/v1/files/upload')).length
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00'), Buffer.alloc(2048, 7)])
    const res = await upload(user.token, exe, 'cat.png', 'image/png')
    expect(res.status).toBe(415)
    expect(await res.json()).toMatchObject({ error: { code: 'FILE_TYPE_NOT_ALLOWED' } })
    expect(stack.sim.requests.filter((r) => r.path.startsWith('/v1/files/upload')).length).toBe(uploads)
  })

  it('should refuse a body without a file 400 and an upload without a token 401', async () => {
    const user = await stack.newUser()
    const form = new FormData()
    form.append('note', 'no file here')
    const res = await fetch(`${stack.url}/api/chat/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}` },
      body: form,
    })
    expect(res.status).toBe(400)
    expect((await upload('not-a-token', PNG, 'a.png')).status).toBe(401)
  })

  it('should refuse 11 MiB with 413 FILE_TOO_LARGE having read almost none of it', async () => {
    const { token } = await stack.newUser()
    const c = await openRaw(stack.url)
    const port = c.socket.localPort!
    const size = 11 * 1024 * 1024
    await c.write(
      'POST /api/chat/files HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=b\r\n` +
        `Content-Length: ${size}\r\n\r\n` +
        '--b\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n\r\n',
    )
    const res = await within(c.response(), 5_000)
    expect(res?.status).toBe(413)
    expect(JSON.parse(res!.body)).toMatchObject({
      error: { code: 'FILE_TOO_LARGE', maxBytes: 10 * 1024 * 1024 },
    })
    expect(res!.headers.connection).toBe('close')
    // The client goes on sending; the server has closed the connection and reads none of it.
    for (let i = 0; i < 16 && !c.socket.destroyed; i++) {
      await within(
        c.write(Buffer.alloc(64 * 1024)).catch(() => {}),
        1_000,
      )
    }
    await within(c.closed, 5_000)
    const server = sockets.get(port)
    expect(server?.destroyed).toBe(true)
    expect(server?.bytesRead).toBeLessThan(1024 * 1024)
    c.socket.destroy()
  })

  it('should cut a chunked upload where it passes the cap with 413, never reading it to the end', async () => {
    const { token } = await stack.newUser()
    const c = await openRaw(stack.url)
    const port = c.socket.localPort!
    await c.write(
      'POST /api/chat/files HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=b\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n',
    )
    const answered = c.response()
    const chunk = Buffer.alloc(256 * 1024, 0x41)
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
    let sent = 0
    // 12 MiB offered; the server stops taking them a little past 10 MiB.
    while (sent < 12 * 1024 * 1024 && !c.socket.destroyed) {
      const wrote = await Promise.race([c.write(frame).then(() => true), answered.then(() => false)])
      if (!wrote) break
      sent += chunk.length
    }
    const res = await within(answered, 10_000)
    expect(res?.status).toBe(413)
    expect(JSON.parse(res!.body)).toMatchObject({ error: { code: 'FILE_TOO_LARGE' } })
    await within(c.closed, 5_000)
    const server = sockets.get(port)
    expect(server?.destroyed).toBe(true)
    expect(server?.bytesRead).toBeLessThan(11 * 1024 * 1024)
    c.socket.destroy()
  })

  it('should refuse the upload after RATE_LIMIT_FILES_PER_MINUTE with 429 and Retry-After', async () => {
    const user = await stack.newUser()
    for (let i = 0; i < FILES_PER_MINUTE; i++) await uploaded(user.token, PNG, `${i}.png`)
    const res = await upload(user.token, PNG, 'one-too-many.png')
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await res.json()).toMatchObject({ error: { code: 'RATE_LIMITED', limit: 'user-files' } })
    // Another user's budget is their own.
    await uploaded((await stack.newUser()).token, PNG, 'a.png')
  })

  it("should answer 503 UPSTREAM_FORBIDDEN when Coze's app lacks the upload API, and keep chatting", async () => {
    const user = await stack.newUser()
    stack.sim.faults.denyApi('uploadFile', true)
    try {
      const res = await upload(user.token, PNG, 'a.png')
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ error: { code: 'UPSTREAM_FORBIDDEN' } })
    } finally {
      stack.sim.faults.denyApi('uploadFile', false)
    }
    expect((await stack.chat(user.token, { message: '你好' })).events.at(-1)?.event).toBe('done')
  })
})

describe('send with attachments', () => {
  it('should reach Coze as one object_string question, and come back in history and GET', async () => {
    const user = await stack.newUser()
    const image = await uploaded(user.token, PNG, 'cat.png')
    const doc = await uploaded(user.token, PDF, 'report.pdf')
    const [cozeImage, cozeDoc] = await Promise.all(
      [image, doc].map(async (f) => (await stack.store.getFiles(user.userId, [f.fileId]))[0]!.cozeFileId),
    )
    let r: Awaited<ReturnType<Stack['chat']>> | undefined
    const heard = await chatsHeard(async () => {
      r = await stack.chat(user.token, {
        message: '图里是什么？',
        attachments: [{ fileId: image.fileId }, { fileId: doc.fileId }],
      })
    })
    expect(r!.events.at(-1)?.event).toBe('done')
    expect(heard).toHaveLength(1)
    const [question] = heard[0]!
    expect(question!.content_type).toBe('object_string')
    expect(JSON.parse(question!.content)).toEqual([
      { type: 'text', text: '图里是什么？' },
      { type: 'image', file_id: cozeImage },
      { type: 'file', file_id: cozeDoc },
    ])

    const conversationId = (r!.events[0]!.data as { conversationId: string }).conversationId
    const history = await fetch(`${stack.url}/api/chat/history?conversationId=${conversationId}`, {
      headers: { authorization: `Bearer ${user.token}` },
    })
    const [item] = ((await history.json()) as { items: unknown[] }).items
    expect(item).toMatchObject({ question: '图里是什么？', attachments: [image, doc] })

    const res = await getFile(user.token, image.fileId)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-disposition')).toBe('inline')
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/)
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true)
  })

  it('should send an image alone with no text item, and archive an empty question', async () => {
    const user = await stack.newUser()
    const image = await uploaded(user.token, PNG, 'only.png')
    const heard = await chatsHeard(async () => {
      const r = await stack.chat(user.token, { attachments: [{ fileId: image.fileId }] })
      expect(r.events.at(-1)?.event).toBe('done')
    })
    const items = JSON.parse(heard[0]![0]!.content) as { type: string }[]
    expect(items.map((i) => i.type)).toEqual(['image'])
  })

  it("should refuse someone else's file on send and on GET with 404 FILE_NOT_FOUND, Coze never asked", async () => {
    const owner = await stack.newUser()
    const other = await stack.newUser()
    const image = await uploaded(owner.token, PNG, 'mine.png')
    const heard = await chatsHeard(async () => {
      const res = await stack.send(other.token, { message: '看看', attachments: [{ fileId: image.fileId }] })
      expect(res.status).toBe(404)
      expect(await res.json()).toMatchObject({ error: { code: 'FILE_NOT_FOUND', fileId: image.fileId } })
    })
    expect(heard).toEqual([])
    const res = await getFile(other.token, image.fileId)
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } })
    expect((await getFile(owner.token, 'no-such-file')).status).toBe(404)
  })

  it.each([
    ['five attachments', { message: 'x', attachments: [1, 2, 3, 4, 5].map((i) => ({ fileId: `f${i}` })) }],
    ['the same file twice', { message: 'x', attachments: [{ fileId: 'f1' }, { fileId: 'f1' }] }],
    ['neither text nor attachments', { message: '  ', attachments: [] }],
  ])('should refuse %s with 400', async (_name, body) => {
    const user = await stack.newUser()
    const res = await stack.send(user.token, body)
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } })
  })
})

describe('user data', () => {
  it("should export and erase a user's uploads, images with their bytes", async () => {
    const user = await stack.newUser()
    const image = await uploaded(user.token, PNG, 'a.png')
    const exported = await stack.store.exportUserData(user.userId)
    expect(exported.files).toEqual([
      expect.objectContaining({ fileId: image.fileId, contentBase64: PNG.toString('base64') }),
    ])
    expect((await stack.store.eraseUserData(user.userId)).files).toBe(1)
    expect((await stack.store.exportUserData(user.userId)).files).toEqual([])
    expect((await getFile(user.token, image.fileId)).status).toBe(404)
  })
})
