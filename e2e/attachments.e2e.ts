/**
 * Issue 21, Must show 6 in Chromium: an image pasted into the input (a real `paste` event carrying a
 * DataTransfer, as the clipboard gives it) uploads at once, goes with Send, and reaches the sim as one
 * `object_string` message naming the uploaded file; the question shows its thumbnail, and after a reload
 * the history question shows it again, loaded with the token in a header (never in the URL) as a
 * `blob:` image. A PDF picked with the paperclip goes alone (no text) as a `file` item and shows as a chip.
 * axe-core finds nothing serious with a chip in the tray or an image in a question. Also writes
 * e2e/screenshots/attachments.png and attachments-tray.png.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { crc32, deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  hasChromium,
  inPage,
  login,
  openWidget,
  suiteTitle,
  useDemo,
  waitForAnswer,
  WAIT,
} from './support/browser'
import type { Demo } from './support/demo'

const SCREENSHOTS = fileURLToPath(new URL('screenshots/', import.meta.url))
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical findings in the widget (as a11y.e2e.ts runs it). */
async function axeFindings(page: Page) {
  if (!(await page.evaluate('typeof axe === "object"'))) await page.evaluate(AXE)
  const { findings, checked } = await page.evaluate(inPage.axeRun)
  expect(checked, 'axe reached the shadow root').toBeGreaterThan(0)
  return findings
}

/** A real PNG (the service reads the type from the bytes; the browser must decode it): 120×80, two colours. */
function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4)
    head.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([head, body, crc])
  }
  const [width, height] = [120, 80]
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  // Each row: filter byte 0, then RGB per pixel; orange above, blue below.
  const row = (rgb: number[]) => Buffer.concat([Buffer.from([0]), ...Array(width).fill(Buffer.from(rgb))])
  const pixels = Buffer.concat(
    Array.from({ length: height }, (_, y) => row(y < height / 2 ? [255, 120, 0] : [29, 78, 216])),
  )
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** Runs in the page (self-contained): pastes a PNG into the widget's input as the clipboard would. */
function pastePng(b64: string): void {
  // The page's globals; the root program has no DOM types.
  type El = { dispatchEvent(e: unknown): boolean; focus(): void }
  const w = globalThis as unknown as {
    document: { querySelector(s: string): { shadowRoot: { querySelector(s: string): El | null } } | null }
    DataTransfer: new () => { items: { add(f: unknown): void } }
    ClipboardEvent: new (type: string, init: object) => unknown
    File: new (bits: unknown[], name: string, opts: object) => unknown
    atob(s: string): string
  }
  const bytes = Uint8Array.from(w.atob(b64), (c) => c.charCodeAt(0))
  const data = new w.DataTransfer()
  data.items.add(new w.File([bytes], 'dot.png', { type: 'image/png' }))
  const input = w.document.querySelector('volcano-chat')!.shadowRoot.querySelector('.vc-input')!
  input.focus()
  input.dispatchEvent(new w.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
}

/** The question's thumbnail: its `src` and the decoded width (0 until the image has really loaded). */
const thumbnail = (page: Page) =>
  page
    .locator('volcano-chat .vc-msg .vc-q img.vc-q-img')
    .first()
    .evaluate((img) => {
      const i = img as unknown as { src: string; naturalWidth: number; complete: boolean }
      return { src: i.src, width: i.complete ? i.naturalWidth : 0 }
    })

interface UserMessage {
  role: string
  content: string
  content_type: string
}

describe.skipIf(!hasChromium)(suiteTitle('attachments'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should send a pasted image to Coze as object_string and show it again after a reload', async () => {
    const image = png()
    const chats: { additional_messages?: UserMessage[] }[] = []
    const onChat = (r: { body?: unknown }) => chats.push(r.body as (typeof chats)[number])
    demo.stack.sim.on('chat', onChat)

    const { page, requests, pageErrors } = await login(browser, demo)
    await openWidget(page)
    const clip = page.locator('volcano-chat button.vc-attach')
    expect(await clip.getAttribute('aria-label')).toBeTruthy()

    await page.evaluate(pastePng, image.toString('base64'))
    const chip = page.locator('volcano-chat .vc-tray-item')
    await expect.poll(() => chip.getAttribute('class'), WAIT).toContain('vc-tray-done')
    expect(await chip.locator('button.vc-tray-remove').getAttribute('aria-label')).toContain('dot.png')
    const input = page.locator('volcano-chat .vc-input')
    await input.fill('这张图是什么颜色？')
    await page.screenshot({ path: `${SCREENSHOTS}attachments-tray.png` })
    expect(await axeFindings(page), 'the tray').toEqual([])
    await input.press('Enter')

    // The sim got one user message: the text, then the image by Coze's own file id, whose bytes are ours.
    await expect.poll(() => chats.length, WAIT).toBeGreaterThan(0)
    const sent = chats[0]!.additional_messages!.filter((m) => m.role === 'user').at(-1)!
    expect(sent.content_type).toBe('object_string')
    const items = JSON.parse(sent.content) as { type: string; text?: string; file_id?: string }[]
    expect(items.map((i) => i.type)).toEqual(['text', 'image'])
    expect(items[0]!.text).toBe('这张图是什么颜色？')
    const cozeFile = demo.stack.sim.file(items[1]!.file_id!)
    expect(cozeFile?.content.equals(image)).toBe(true)

    // The question shows its image at once (the local preview), and the tray is empty again.
    await expect.poll(async () => (await thumbnail(page)).width, WAIT).toBeGreaterThan(0)
    expect((await thumbnail(page)).src).toMatch(/^blob:/)
    expect(await chip.count()).toBe(0)
    expect(await waitForAnswer(page, 1)).toMatchObject({
      status: 'completed',
      question: '这张图是什么颜色？',
    })
    await page.screenshot({ path: `${SCREENSHOTS}attachments.png` })
    expect(await axeFindings(page), 'the question with its image').toEqual([])

    // After a reload the history question has the image, fetched from the service with the token in a
    // header: no request URL carries the token (nor any `token=`).
    const before = requests.length
    await page.reload()
    await page.locator('volcano-chat .vc-launcher').click()
    await page.locator('volcano-chat .vc-panel').waitFor({ state: 'visible' })
    await expect
      .poll(async () => (await thumbnail(page).catch(() => ({ width: 0 }))).width, WAIT)
      .toBeGreaterThan(0)
    expect((await thumbnail(page)).src).toMatch(/^blob:/)
    const fileGets = requests.slice(before).filter((r) => /\/api\/chat\/files\/[^/?]+$/.test(r))
    expect(fileGets).toHaveLength(1)
    expect(fileGets[0]).toMatch(/^GET /)
    expect(requests.filter((r) => /token=|Bearer/i.test(r))).toEqual([])
    expect(pageErrors).toEqual([])
    demo.stack.sim.off('chat', onChat)
    await page.context().close()
  })

  it('should send a document picked with the paperclip as a file chip', async () => {
    const doc = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n')
    const chats: { additional_messages?: UserMessage[] }[] = []
    const onChat = (r: { body?: unknown }) => chats.push(r.body as (typeof chats)[number])
    demo.stack.sim.on('chat', onChat)
    const { page, pageErrors } = await login(browser, demo)
    await openWidget(page)
    const chooser = page.waitForEvent('filechooser')
    await page.locator('volcano-chat button.vc-attach').click()
    await (await chooser).setFiles({ name: '报价单.pdf', mimeType: 'application/pdf', buffer: doc })
    const chip = page.locator('volcano-chat .vc-tray-item')
    await expect.poll(() => chip.getAttribute('class'), WAIT).toContain('vc-tray-done')
    // No text: the uploaded file alone makes Send available.
    await page.locator('volcano-chat button.vc-send').click()

    await expect.poll(() => chats.length, WAIT).toBeGreaterThan(0)
    const sent = chats[0]!.additional_messages!.filter((m) => m.role === 'user').at(-1)!
    const items = JSON.parse(sent.content) as { type: string; file_id?: string }[]
    expect(items.map((i) => i.type)).toEqual(['file'])
    expect(demo.stack.sim.file(items[0]!.file_id!)?.content.equals(doc)).toBe(true)
    const file = page.locator('volcano-chat .vc-msg .vc-q .vc-q-file')
    await expect.poll(() => file.innerText(), WAIT).toContain('报价单.pdf')
    expect(await file.innerText()).toContain(`${doc.length} B`)
    expect(pageErrors).toEqual([])
    demo.stack.sim.off('chat', onChat)
    await page.context().close()
  })
})
