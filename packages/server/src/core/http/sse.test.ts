import { describe, expect, it } from 'vitest'
import { formatEvent } from './sse'

describe('formatEvent', () => {
  it('should frame one event exactly', () => {
    expect(formatEvent('m1:0', 'delta', { text: '你好\n世界' })).toBe(
      'id: m1:0\nevent: delta\ndata: {"text":"你好\\n世界"}\n\n',
    )
  })
  it('should leave the id line out when there is no id', () => {
    expect(formatEvent(undefined, 'error', { code: 'TOKEN_INVALID' })).toBe(
      'event: error\ndata: {"code":"TOKEN_INVALID"}\n\n',
    )
  })
  it('should refuse CR/LF in id or event', () => {
    expect(() => formatEvent('a\nb', 'x', 1)).toThrow()
    expect(() => formatEvent('a', 'x\r', 1)).toThrow()
  })
})
