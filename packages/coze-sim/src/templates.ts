/**
 * Answer templates: Chinese Markdown that quotes the question. Each template says whether it comes with
 * reasoning (a deep-thinking bot) so that some plain questions exercise `reasoning_content` too.
 */

export interface Template {
  answer(q: string): string
  reasoning: boolean
  followUps(q: string): [string, string, string]
}

const FENCE = '```'

export const templates: readonly Template[] = [
  {
    reasoning: false,
    answer: (q) =>
      [
        `## 关于「${q}」`,
        '',
        `您好！针对您的问题「${q}」，可以按下面三步处理：`,
        '',
        '1. **明确目标**：先确认您想解决的具体问题。',
        '2. **查阅说明**：阅读相关文档，确认适用范围。',
        '3. **动手验证**：按步骤操作，并检查结果是否符合预期。',
        '',
        '如需进一步帮助，请随时告诉我。',
      ].join('\n'),
    followUps: (q) => [`「${q}」有哪些常见误区？`, '能举一个具体的例子吗？', '有没有相关的官方文档？'],
  },
  {
    reasoning: true,
    answer: (q) =>
      [
        '### 示例代码',
        '',
        `您问的是「${q}」。可以参考下面这段 TypeScript 代码：`,
        '',
        `${FENCE}ts`,
        'export function greet(name: string): string {',
        "  return '你好，' + name + '！'",
        '}',
        FENCE,
        '',
        '- **要点一**：函数保持纯粹，便于测试。',
        '- **要点二**：注意处理空字符串和 `undefined`。',
      ].join('\n'),
    followUps: () => ['这段代码怎么写单元测试？', '如何处理异常情况？', '能换成 Python 写吗？'],
  },
  {
    reasoning: false,
    answer: (q) =>
      [
        '# 对比说明',
        '',
        `关于「${q}」，常见的两种做法对比如下：`,
        '',
        '| 方案 | 优点 | 缺点 |',
        '| --- | --- | --- |',
        '| 方案 A | 简单直接 | 扩展性一般 |',
        '| 方案 B | 灵活可扩展 | 初期成本较高 |',
        '',
        '**建议**：业务初期选择方案 A，规模扩大后再迁移到方案 B。',
      ].join('\n'),
    followUps: () => ['迁移到方案 B 需要多久？', '两种方案的成本分别是多少？', '有没有第三种选择？'],
  },
  {
    reasoning: true,
    answer: (q) =>
      [
        '## 简短回答',
        '',
        `**结论**：「${q}」是可以做到的。`,
        '',
        '> 提示：操作前请先备份重要数据。',
        '',
        '- 准备工作约需 *5 分钟*；',
        '- 整个过程无需额外费用。',
      ].join('\n'),
    followUps: (q) => ['具体需要准备什么？', `「${q}」失败了怎么办？`, '可以撤销吗？'],
  },
]

export const reasoningFor = (q: string) =>
  `用户问的是「${q}」。我需要先理解问题的背景，再给出结构清晰的回答：先给结论，然后分点说明，最后提供可操作的建议。`

/** Extra paragraphs for `tokens=<n>` answers longer than the template. */
export const fillerParagraph = (n: number) =>
  `\n\n第 ${n} 段：为了完整回答这个问题，我们再补充一些背景信息。**注意**：实际情况可能因环境不同而有所差异，请以官方说明为准。`

/** Hostile Markdown for browser tests: everything here must render inert. */
export const xssTemplate: Template = {
  reasoning: false,
  answer: (q) =>
    [
      `## 安全测试「${q}」`,
      '',
      '这是一段**正常的**中文说明，下面混入了恶意内容：',
      '',
      '<img src=x onerror="window.__xss=1">',
      '',
      '<script>window.__xss=1</script>',
      '',
      '请点击[这个链接](javascript:window.__xss=1)查看详情。',
      '',
      '<div onclick="window.__xss=1" style="position:fixed;inset:0">原始 HTML 块</div>',
      '',
      '<iframe src="javascript:window.__xss=1"></iframe>',
      '',
      `${FENCE}js" onmouseover="window.__xss=1`,
      "console.log('代码块')",
      FENCE,
      '',
      '- 列表项 <a href="javascript:window.__xss=1">链接</a>',
      '- 图片 ![图](x" onerror="window.__xss=1)',
      '- <svg onload="window.__xss=1"></svg> 结束。',
    ].join('\n'),
  followUps: () => [
    '<img src=x onerror="window.__xss=1">',
    '[点我](javascript:window.__xss=1)',
    '正常的追问？',
  ],
}
