import { describe, expect, it } from 'vitest'
import { answerFor, chunkText, hashText } from './answers'
import { templates } from './templates'

const codePoints = (s: string) => Array.from(s).length

describe('answerFor', () => {
  it('should be deterministic and quote the question', () => {
    const a = answerFor('如何重置密码？')
    expect(answerFor('如何重置密码？')).toEqual(a)
    expect(a.text).toContain('如何重置密码？')
    expect(a.text).toMatch(/^#{1,3} /)
    expect(a.text).toMatch(/\*\*[^*]+\*\*/)
    expect(a.followUps).toHaveLength(3)
  })

  it('should cut the answer into 1–4 character chunks that join to the text', () => {
    for (const q of ['你好', '如何开发票？', 'hello world', '😀 emoji 问题']) {
      const a = answerFor(q)
      expect(a.chunks.join('')).toBe(a.text)
      expect(a.reasoningChunks.join('')).toBe(a.reasoning)
      for (const c of [...a.chunks, ...a.reasoningChunks]) expect(codePoints(c)).toBeGreaterThanOrEqual(1)
      for (const c of [...a.chunks, ...a.reasoningChunks]) expect(codePoints(c)).toBeLessThanOrEqual(4)
    }
  })

  it('should never echo markers, and honour them', () => {
    const plain = answerFor('你好')
    const marked = answerFor('你好 [[sim:drop-after=3]]')
    expect(marked).toEqual(plain)
    expect(marked.text).not.toContain('[[sim')
  })

  it('should produce exactly n chunks for tokens=n, long answers included', () => {
    expect(answerFor('短 [[sim:tokens=5]]').chunks).toHaveLength(5)
    const long = answerFor('长 [[sim:tokens=5000]]')
    expect(long.chunks).toHaveLength(5000)
    expect(long.text).toContain('第 1 段')
    expect(answerFor('零 [[sim:tokens=0]]').text).toBe('')
  })

  it('should add reasoning when asked, and for some templates on its own', () => {
    const asked = answerFor('解释一下 [[sim:reasoning]]')
    expect(asked.reasoning).toContain('解释一下')
    expect(asked.reasoningChunks.length).toBeGreaterThan(0)
    const questions = Array.from({ length: 40 }, (_, i) => `问题 ${i}`)
    const withReasoning = questions.filter((q) => answerFor(q).reasoning !== '')
    expect(withReasoning.length).toBeGreaterThan(0)
    expect(withReasoning.length).toBeLessThan(questions.length)
  })

  it('should use every template, one of them with a fenced code block', () => {
    const used = new Set(Array.from({ length: 60 }, (_, i) => hashText(`问题 ${i}`) % templates.length))
    expect(used.size).toBe(templates.length)
    const texts = Array.from({ length: 60 }, (_, i) => answerFor(`问题 ${i}`).text)
    expect(texts.some((t) => /^```ts$/m.test(t))).toBe(true)
  })

  it('should fill the xss template with hostile content inside Chinese Markdown', () => {
    const { text } = answerFor('测试 [[sim:xss]]')
    expect(text).toContain('<img src=x onerror="window.__xss=1">')
    expect(text).toContain('<script>window.__xss=1</script>')
    expect(text).toContain('[这个链接](javascript:window.__xss=1)')
    expect(text).toContain('```js" onmouseover="window.__xss=1')
    expect(text).toContain('<div onclick=')
    expect(text).toContain('测试')
  })

  it('should report plausible, consistent usage', () => {
    const a = answerFor('用量 [[sim:reasoning]]')
    expect(a.usage.output_count).toBe(a.chunks.length + a.reasoningChunks.length)
    expect(a.usage.token_count).toBe(a.usage.input_count + a.usage.output_count)
    expect(a.usage.input_count).toBeGreaterThan(400)
  })
})

describe('chunkText', () => {
  it('should never split a surrogate pair', () => {
    const chunks = chunkText('😀😁😂🤣😃😄😅😆', 7)
    expect(chunks.join('')).toBe('😀😁😂🤣😃😄😅😆')
    for (const c of chunks) expect(c).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/)
  })
})

describe('answerFor: answer messages and actions (§9 rows 3, 4)', () => {
  it('should split the text into n messages that join with blank lines to text, for any n', () => {
    for (const q of ['你好', '如何开发票？', '长 [[sim:tokens=300]]', '零 [[sim:tokens=0]]']) {
      for (const n of [1, 2, 3, 7]) {
        const a = answerFor(`${q} [[sim:answers=${n}]]`)
        expect(a.messages).toHaveLength(n)
        expect(a.messages.map((m) => m.text).join('\n\n')).toBe(a.text)
        for (const m of a.messages) expect(m.chunks.join('')).toBe(m.content)
        expect(a.chunks).toEqual(a.messages.flatMap((m) => m.chunks))
        if (n > 1) for (const m of a.messages) expect(m.text).not.toBe('')
      }
    }
  })

  it('should put a card first and make the last text an object_string, neither with deltas', () => {
    const a = answerFor('组合 [[sim:card,answers=2,object-string]]')
    expect(a.messages.map((m) => [m.contentType, m.chunks.length > 0])).toEqual([
      ['card', false],
      ['text', true],
      ['object_string', false],
    ])
    expect(a.text).toBe(`${a.messages[1]!.text}\n\n${a.messages[2]!.text}`)
  })

  it('should ask first and quote the reply after, or call a function first and quote its output after', () => {
    const asked = answerFor('问 [[sim:ask]]')
    expect(asked.action).toMatchObject({ type: 'reply_message' })
    expect(asked.messages).toHaveLength(1)
    expect(asked.followUps).toEqual([])
    expect(answerFor('问 [[sim:ask]]', '订单 1').text).toContain('「订单 1」')
    const tool = answerFor('查 [[sim:tool=my_orders]]')
    expect(tool).toMatchObject({ action: { type: 'function', name: 'my_orders' }, messages: [], text: '' })
    const after = answerFor('查 [[sim:tool=my_orders]]', '{"orders":[]}')
    expect(after.action).toBeUndefined()
    expect(after.text).toContain('{"orders":[]}')
  })
})
