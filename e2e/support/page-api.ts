/**
 * The shape of the code that runs inside the page (`page-scripts.ts`), in plain types: the Node side
 * is type-checked by the root program (no DOM types), the page side by `e2e/tsconfig.json` (DOM types),
 * and both against this interface.
 */

/** `vc-message` detail (the widget's public event). */
export interface VcMessage {
  messageId: string | null
  conversationId: string | null
  question: string
  answer: string
  status: string
}

/** What the in-page recorder collects. */
export interface Recorded {
  messages: VcMessage[]
  errors: { code: string; message: string; status?: number }[]
  /** Every distinct text of the newest answer, in the order the DOM showed them, with its aria-busy. */
  answerTexts: { text: string; busy: boolean }[]
  typingSeen: boolean
  /** Every distinct text the notice above the conversation showed on screen, in order ('' when it went). */
  notices: string[]
}

/** Computed style (every property, plus `box`) per selector. */
export type StyleProbe = Record<string, Record<string, string>>

/** One axe-core run on `<volcano-chat>` (`a11y.e2e.ts`). */
export interface AxeReport {
  /** Serious and critical violations only. */
  findings: { id: string; impact: string | null; help: string; targets: string[] }[]
  /** Nodes that passed `button-name`: 0 means axe never reached the shadow root. */
  checked: number
  /** What axe could not decide (`id ×nodes`), for a person to review. */
  unsure: string[]
}

export interface XssReport {
  /** `window.__xss`, which every payload of the sim would set. */
  flag: unknown
  /** `outerHTML` of script-capable elements in the shadow root. */
  scriptCapable: string[]
  /** `on*` attributes. */
  handlers: string[]
  /** Attributes whose value is a `javascript:`, `vbscript:` or `data:` URL. */
  badUrls: string[]
  /** Elements with a `style` attribute inside rendered Markdown. */
  styled: number
  /** `class` of every `<code>` inside rendered Markdown. */
  codeClasses: (string | null)[]
  /** The shadow root's serialised markup. */
  markup: string
}

/** What `installAudioProbe` saw of the buffers the page's Web Audio was asked to play. */
export interface AudioProbe {
  /** `AudioBufferSourceNode.start()` calls with a buffer. */
  buffers: number
  /** Frames (channel 0) across those buffers. */
  samples: number
  /** Frames whose value was not 0. */
  nonZero: number
  /** FNV-1a over every frame as a signed 16-bit value, in play order (`pcmChecksum` in Node). */
  checksum: number
  /** Distinct buffer sample rates. */
  rates: number[]
}

export interface PageScripts {
  /** Listens to the widget's events and records every text the newest answer shows. */
  installRecorder: () => void
  recorded: () => Recorded
  /** Tag name of the focused element inside the shadow root. */
  focusedTag: () => string | undefined
  /** Text of the answer at `index` (negative: from the end) without code blocks' toolbars. */
  answerText: (index: number) => string
  /** Text content of an HTML fragment, parsed by the page (a parsed document runs nothing). */
  htmlText: (html: string) => string
  /** Every text in the shadow root (what a person could read, hidden parts included). */
  shadowText: () => string
  /** The problem line of the newest message, without its retry button. */
  lastProblem: () => string
  /** The notice's text and whether Send is disabled, read at one instant. */
  noticeAndSend: () => { notice: string; sendDisabled: boolean }
  /** Every computed property and the border box of the first match of each selector in the shadow root. */
  probeStyles: (selectors: string[]) => StyleProbe
  /** Adds a `<style>` carrying the page's own CSP nonce, as the site itself serving it would. */
  addPageStyle: (css: string) => void
  /** Colour and font size of an element of the host page. */
  pageTextStyle: (selector: string) => { color: string; fontSize: string }
  /** Hovers, focuses, clicks every element of the conversation (links out and buttons that send excepted). */
  pokeConversation: () => void
  xssReport: () => XssReport
  /** Init script (runs before the page's own): wraps `AudioBufferSourceNode.prototype.start`. */
  installAudioProbe: () => void
  audioProbe: () => AudioProbe
  /** Runs axe-core (injected before as `window.axe`) on `<volcano-chat>`, its open shadow root included. */
  axeRun: () => Promise<AxeReport>
  /** A custom property as the widget's `.vc-root` resolves it (which `--vc-bg` the theme picked). */
  rootVar: (name: string) => string
}
