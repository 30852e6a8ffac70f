import { describe, expect, it } from 'vitest'
import { extensionOf, sniff } from './sniff'

const hex = (h: string) => Buffer.from(h, 'hex')
const zipWith = (...names: string[]) =>
  Buffer.concat([hex('504b0304'), Buffer.alloc(26), ...names.map((n) => Buffer.from(n))])

describe('sniff', () => {
  it.each([
    ['png', hex('89504e470d0a1a0a0000000d49484452'), 'x.bin', 'image/png', 'png'],
    ['jpeg', hex('ffd8ffe000104a464946'), 'photo.png', 'image/jpeg', 'jpg'],
    ['gif87a', Buffer.from('GIF87a....'), 'a', 'image/gif', 'gif'],
    ['gif89a', Buffer.from('GIF89a....'), 'a.gif', 'image/gif', 'gif'],
    ['webp', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 '), 'a.webp', 'image/webp', 'webp'],
  ])('should tell a %s image by its bytes whatever its name', (_n, bytes, name, mime, ext) => {
    expect(sniff(bytes, name)).toEqual({ mime, kind: 'image', ext })
  })

  it('should tell a PDF by its bytes', () => {
    expect(sniff(Buffer.from('%PDF-1.7\n...'), 'report')).toEqual({
      mime: 'application/pdf',
      kind: 'file',
      ext: 'pdf',
    })
  })

  it('should take office documents only as a zip holding their own folder, with their extension', () => {
    expect(sniff(zipWith('[Content_Types].xml', 'word/document.xml'), 'a.docx')?.mime).toMatch(
      /wordprocessingml/,
    )
    expect(sniff(zipWith('[Content_Types].xml', 'xl/workbook.xml'), 'a.XLSX')?.mime).toMatch(/spreadsheetml/)
    expect(sniff(zipWith('[Content_Types].xml', 'ppt/presentation.xml'), 'a.pptx')?.mime).toMatch(
      /presentationml/,
    )
    expect(sniff(zipWith('[Content_Types].xml', 'xl/workbook.xml'), 'a.docx')).toBeUndefined()
    expect(sniff(zipWith('[Content_Types].xml', 'word/document.xml'), 'a.zip')).toBeUndefined()
    expect(sniff(zipWith('evil.exe'), 'a.docx')).toBeUndefined()
  })

  it('should take valid UTF-8 text with a text extension only', () => {
    expect(sniff(Buffer.from('名字,数量\n苹果,3\n'), 'a.csv')).toEqual({
      mime: 'text/csv',
      kind: 'file',
      ext: 'csv',
    })
    expect(sniff(Buffer.from('# 标题'), 'a.md')?.mime).toBe('text/markdown')
    expect(sniff(Buffer.from('hello'), 'a.txt')?.mime).toBe('text/plain')
    expect(sniff(Buffer.from('hello'), 'a.html')).toBeUndefined()
    expect(sniff(hex('c328'), 'a.txt')).toBeUndefined() // invalid UTF-8
    expect(sniff(hex('68690068'), 'a.txt')).toBeUndefined() // a NUL byte
  })

  it('should refuse a program renamed .png, and anything unknown', () => {
    expect(sniff(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64)]), 'cat.png')).toBeUndefined()
    expect(sniff(hex('7f454c46020101'), 'cat.jpg')).toBeUndefined()
    expect(sniff(Buffer.alloc(0), 'empty.txt')).toEqual({ mime: 'text/plain', kind: 'file', ext: 'txt' })
  })

  it('should read extensions case-blind', () => {
    expect(extensionOf('A.PNG')).toBe('png')
    expect(extensionOf('noext')).toBe('')
  })
})
