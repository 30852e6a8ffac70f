/**
 * The welcome an empty conversation shows (issue 21): the bot's prologue (Markdown) and preset
 * questions from `GET /api/chat/welcome`, unless the host page set its own with the `welcome-text` and
 * `welcome-questions` attributes.
 */
export interface Welcome {
  /** Markdown; '' for none. */
  prologue: string
  questions: string[]
}

/** What the host page set; undefined = not set (the service's value applies). */
export interface WelcomeOverrides {
  text?: string
  questions?: string[]
}

const MAX_QUESTIONS = 10

/**
 * `welcome-questions='["你能做什么？","怎么退货？"]'`: a JSON array of strings (a question may hold any
 * character, `|` and `,` included). `[]` hides the service's questions; anything that is not a JSON
 * array of strings counts as not set.
 * @example parseWelcomeQuestions('["a", " b "]') // ['a', 'b']
 */
export function parseWelcomeQuestions(v: unknown): string[] | undefined {
  if (typeof v !== 'string' || !v.trim()) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(v)
  } catch {
    return undefined // not JSON: ignored, like any other unusable attribute value
  }
  if (!Array.isArray(parsed)) return undefined
  return parsed
    .filter((q): q is string => typeof q === 'string' && q.trim() !== '')
    .map((q) => q.trim())
    .slice(0, MAX_QUESTIONS)
}

/**
 * The welcome to show: the host's text and questions where set, the service's otherwise.
 * @example welcomeFor({ prologue: 'Hi', questions: ['a'] }, { questions: [] }) // { prologue: 'Hi', questions: [] }
 */
export function welcomeFor(service: Welcome | null, overrides: WelcomeOverrides): Welcome {
  return {
    prologue: overrides.text ?? service?.prologue ?? '',
    questions: overrides.questions ?? service?.questions ?? [],
  }
}

/** The service's answer, checked: a proxy's odd JSON gives an empty welcome, not a broken panel. */
export function toWelcome(body: unknown): Welcome {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  return {
    prologue: typeof b.prologue === 'string' ? b.prologue : '',
    questions: Array.isArray(b.questions)
      ? b.questions
          .filter((q): q is string => typeof q === 'string' && q.trim() !== '')
          .slice(0, MAX_QUESTIONS)
      : [],
  }
}
