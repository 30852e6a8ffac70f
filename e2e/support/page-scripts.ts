/**
 * Code that runs inside the page, passed to `page.evaluate`. Playwright sends each function's source
 * text, so every one is self-contained (no imports, no shared helpers). It needs the DOM types, so only
 * `e2e/tsconfig.json` checks it; `support/browser.ts` loads it past the root program (see there).
 */
import type { AudioProbe, AxeReport, PageScripts, Recorded } from './page-api'

export const pageScripts = {
  installRecorder: () => {
    const el = document.querySelector('volcano-chat')!
    const root = el.shadowRoot!
    const rec: Recorded = { messages: [], errors: [], answerTexts: [], typingSeen: false, notices: [] }
    ;(window as unknown as { __vcRec: Recorded }).__vcRec = rec
    el.addEventListener('vc-message', (e) => rec.messages.push((e as CustomEvent).detail[0]))
    el.addEventListener('vc-error', (e) => rec.errors.push((e as CustomEvent).detail[0]))
    // Called after every batch of DOM changes: sees each render, however fast or slow the test polls.
    new MutationObserver(() => {
      const box = root.querySelector('.vc-notice')
      const notice = box?.checkVisibility() ? (box.textContent ?? '') : '' // what is on screen
      if (notice !== (rec.notices[rec.notices.length - 1] ?? '')) rec.notices.push(notice)
      const answers = root.querySelectorAll('.vc-answer')
      const last = answers[answers.length - 1]
      if (!last) return
      if (last.querySelector('.vc-typing')) rec.typingSeen = true
      const text = last.querySelector('.vc-md')?.textContent ?? ''
      const busy = last.getAttribute('aria-busy') === 'true'
      const prev = rec.answerTexts[rec.answerTexts.length - 1]
      if (text && (text !== prev?.text || busy !== prev?.busy)) rec.answerTexts.push({ text, busy })
    }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true })
  },

  recorded: () => (window as unknown as { __vcRec: Recorded }).__vcRec,

  focusedTag: () => document.querySelector('volcano-chat')!.shadowRoot!.activeElement?.tagName,

  answerText: (index) => {
    const all = document.querySelector('volcano-chat')!.shadowRoot!.querySelectorAll('.vc-answer .vc-md')
    const md = all[index < 0 ? all.length + index : index]?.cloneNode(true) as Element | undefined
    md?.querySelectorAll('.vc-code-bar').forEach((bar) => bar.remove())
    return md?.textContent ?? ''
  },

  htmlText: (html) => new DOMParser().parseFromString(html, 'text/html').body.textContent ?? '',

  shadowText: () => {
    // What the visitor can read: text nodes, not the widget's own <style> sheets.
    const root = document.querySelector('volcano-chat')!.shadowRoot!
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    let text = ''
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement?.closest('style, script')) continue
      text += n.textContent ?? ''
    }
    return text
  },

  lastProblem: () => {
    const all = document.querySelector('volcano-chat')!.shadowRoot!.querySelectorAll('.vc-msg')
    return all[all.length - 1]?.querySelector('.vc-problem')?.firstChild?.textContent?.trim() ?? ''
  },

  noticeAndSend: () => {
    const root = document.querySelector('volcano-chat')!.shadowRoot!
    const send = root.querySelector<HTMLButtonElement>('.vc-send[type="submit"]')
    return {
      notice: root.querySelector('.vc-notice')?.textContent ?? '',
      sendDisabled: !send || send.disabled,
    }
  },

  probeStyles: (selectors) => {
    const root = document.querySelector('volcano-chat')!.shadowRoot!
    const out: Record<string, Record<string, string>> = {}
    for (const sel of selectors) {
      const el = root.querySelector(sel)
      if (!el) throw new Error(`probe: nothing matches ${sel}`)
      const cs = getComputedStyle(el)
      const r = el.getBoundingClientRect()
      // `.vc-root` is an empty in-flow block (its content is `position: fixed`): where it sits follows
      // the page's own flow, so only its size is the widget's.
      const box = sel === '.vc-root' ? [r.width, r.height] : [r.x, r.y, r.width, r.height]
      const props: Record<string, string> = { box: box.join(' ') }
      for (let i = 0; i < cs.length; i++) props[cs[i]!] = cs.getPropertyValue(cs[i]!)
      out[sel] = props
    }
    return out
  },

  addPageStyle: (css) => {
    const style = document.createElement('style')
    style.nonce = document.querySelector<HTMLScriptElement>('script[nonce]')!.nonce
    style.textContent = css
    document.head.append(style)
  },

  pageTextStyle: (selector) => {
    const cs = getComputedStyle(document.querySelector(selector)!)
    return { color: cs.color, fontSize: cs.fontSize }
  },

  pokeConversation: () => {
    const root = document.querySelector('volcano-chat')!.shadowRoot!
    for (const el of root.querySelectorAll('.vc-msg *')) {
      if (el instanceof HTMLAnchorElement && /^https?:/.test(el.href)) continue // would open a tab
      if (el.closest('.vc-chip, .vc-retry')) continue // would send another question
      for (const type of ['mouseover', 'mouseenter', 'focus', 'click', 'error', 'load'])
        el.dispatchEvent(new Event(type))
    }
  },

  xssReport: () => {
    const root = document.querySelector('volcano-chat')!.shadowRoot!
    const all = [...root.querySelectorAll('*')]
    const attrs = all.flatMap((el) =>
      [...el.attributes].map((a) => `<${el.localName} ${a.name}="${a.value}">`),
    )
    return {
      flag: (window as unknown as { __xss?: unknown }).__xss,
      scriptCapable: all
        .filter((el) =>
          el.matches('script, iframe, frame, object, embed, math, svg:not([aria-hidden="true"])'),
        )
        .map((el) => el.outerHTML),
      handlers: attrs.filter((a) => /^<\S+ on/i.test(a)),
      badUrls: attrs.filter((a) => /^<\S+ \S+="\s*(javascript|vbscript|data):/i.test(a)),
      // The raw `<div style="position:fixed;inset:0">` of the attack would be a page-covering overlay.
      styled: root.querySelectorAll('.vc-md [style]').length,
      codeClasses: [...root.querySelectorAll('.vc-md code')].map((c) => c.getAttribute('class')),
      markup: root.innerHTML,
    }
  },

  installAudioProbe: () => {
    const probe: AudioProbe = { buffers: 0, samples: 0, nonZero: 0, checksum: 0x811c9dc5, rates: [] }
    ;(window as unknown as { __vcAudio: AudioProbe }).__vcAudio = probe
    const start = AudioBufferSourceNode.prototype.start
    AudioBufferSourceNode.prototype.start = function (this: AudioBufferSourceNode, ...args) {
      const buffer = this.buffer
      if (buffer) {
        const data = buffer.getChannelData(0)
        probe.buffers++
        probe.samples += data.length
        if (!probe.rates.includes(buffer.sampleRate)) probe.rates.push(buffer.sampleRate)
        let h = probe.checksum
        for (const x of data) {
          if (x !== 0) probe.nonZero++
          // 16-bit PCM becomes v / 32768 exactly, so the original sample is recovered exactly.
          h = Math.imul(h ^ (Math.round(x * 0x8000) & 0xffff), 0x01000193) >>> 0
        }
        probe.checksum = h
      }
      return start.apply(this, args)
    }
  },

  audioProbe: () => (window as unknown as { __vcAudio: AudioProbe }).__vcAudio,

  axeRun: async (): Promise<AxeReport> => {
    type Result = { id: string; impact?: string | null; help: string; nodes: { target: unknown }[] }
    type Axe = { run: (el: Element) => Promise<Record<'violations' | 'passes' | 'incomplete', Result[]>> }
    const axe = (window as unknown as { axe: Axe }).axe
    const { violations, passes, incomplete } = await axe.run(document.querySelector('volcano-chat')!)
    return {
      findings: violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({
          id: v.id,
          impact: v.impact ?? null,
          help: v.help,
          targets: v.nodes.map((n) => JSON.stringify(n.target)),
        })),
      checked: passes.find((p) => p.id === 'button-name')?.nodes.length ?? 0,
      unsure: incomplete.map((v) => `${v.id} ×${v.nodes.length}`),
    }
  },

  rootVar: (name) => {
    const root = document.querySelector('volcano-chat')!.shadowRoot!.querySelector('.vc-root')!
    return getComputedStyle(root).getPropertyValue(name).trim()
  },
} satisfies PageScripts
