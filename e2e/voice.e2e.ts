/**
 * Issue 7, "Must show" 5: voice in a real browser on demo website A (`features="cancel voice"`).
 * Chromium's fake microphone plays coze-sim's speech fixture; the widget streams it as 16 kHz PCM
 * through the Chat Service's relay to coze-sim, whose scripted transcript lands in the input. An answer
 * read aloud reaches the page's Web Audio sample for sample. The browser only ever holds single-use
 * voice tickets, never a Coze token. A refused microphone leaves a clear message and the text chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { speakable } from '../packages/widget/src/voice/text'
import {
  ask,
  audioProbe,
  hasChromium,
  inPage,
  launchChromium,
  login,
  openWidget,
  recorded,
  suiteTitle,
  waitForAnswer,
  WAIT,
  useDemo,
} from './support/browser'
import type { Demo } from './support/demo'
import { cozeTokens, fakeMicrophone, pcmChecksum, recordSockets, rms, sentAudio } from './support/voice'

const QUESTION = '怎么联系客服？'

describe.skipIf(!hasChromium)(suiteTitle('voice on demo website A'), () => {
  let demo: Demo
  let browser: Browser
  const mic = fakeMicrophone()
  // Registered before useDemo's hooks: the WAV exists when Chromium starts, and goes after it closed.
  beforeAll(() => console.info(`[e2e] fake microphone: ${mic.create()}`))
  afterAll(() => mic.remove())

  useDemo(
    {
      widget: { features: 'cancel voice', voiceSend: 'confirm' },
      // 20 ms of speech per character: an answer's audio plays out in a few seconds.
      sim: { audio: { bytesPerCharacter: 960 } },
      chromiumArgs: mic.args(),
    },
    (d, b) => {
      demo = d
      browser = b
    },
  )

  it('should dictate into the input through the relay', async () => {
    const { page, pageErrors, requests } = await login(browser, demo)
    const sockets = recordSockets(page)
    const { sim } = demo.stack
    await openWidget(page)
    const micButton = page.locator('volcano-chat .vc-mic')
    const input = page.locator('volcano-chat .vc-input')

    await micButton.click() // a click (not a hold) starts recording; the next click stops it
    await expect.poll(() => micButton.getAttribute('aria-pressed'), WAIT).toBe('true')
    // The sim recognises one more character per 0.5 s of audio: the input shows the transcript growing.
    await expect.poll(async () => [...(await input.inputValue())].length, WAIT).toBeGreaterThanOrEqual(2)
    const partial = await input.inputValue()
    expect(sim.transcript.startsWith(partial) && partial !== sim.transcript).toBe(true)

    await micButton.click()
    // `voice-send="confirm"`: the whole transcript waits in the input for the person to send it.
    await expect.poll(() => input.inputValue(), WAIT).toBe(sim.transcript)
    await expect.poll(() => micButton.getAttribute('aria-pressed'), WAIT).toBe('false')

    // Coze (the sim) got 16 kHz 16-bit PCM — no WAV header — from the service, credential in the header…
    const asr = sim.audioSessions.filter((s) => s.kind === 'transcriptions')
    expect(asr).toHaveLength(1)
    expect(asr[0]!.authVia).toBe('header')
    expect(asr[0]!.wav).toBeUndefined()
    expect(asr[0]!.received).toEqual(
      expect.arrayContaining([
        'transcriptions.update',
        'input_audio_buffer.append',
        'input_audio_buffer.complete',
      ]),
    )
    expect(asr[0]!.audioBytes).toBeGreaterThanOrEqual(32_000) // ≥ 1 s: two characters were shown
    // …exactly the bytes the page sent, and they carry the microphone's sound, not silence.
    await expect.poll(() => sentAudio(sockets).pcm.length, WAIT).toBe(asr[0]!.audioBytes)
    const sent = sentAudio(sockets)
    expect(sent.sha256).toBe(asr[0]!.audioSha256)
    expect(rms(sent.pcm)).toBeGreaterThan(100)

    // The page only met the service's voice URL with a ticket; no Coze credential in any URL or frame.
    expect(sockets.urls.map((u) => u.replace(/\?ticket=[\w-]+$/, '?ticket=…'))).toEqual([
      `${demo.stack.url.replace(/^http/, 'ws')}/api/voice/asr?ticket=…`,
    ])
    const tokens = cozeTokens(sim)
    expect(tokens.length).toBeGreaterThan(0)
    const seen = [...requests, ...sockets.urls, ...sockets.frames.map((f) => f.payload)].join('\n')
    expect(tokens.filter((t) => seen.includes(t))).toEqual([])
    expect(pageErrors).toEqual([])
    await page.context().close()
  })

  it('should read an answer aloud: the sim’s speech reaches Web Audio sample for sample', async () => {
    const { page, pageErrors } = await login(browser, demo, { init: inPage.installAudioProbe })
    const { sim } = demo.stack
    await openWidget(page)
    await ask(page, QUESTION)
    const message = await waitForAnswer(page, 1)
    expect(message.status).toBe('completed')

    const speaker = page.locator('volcano-chat .vc-speak')
    await speaker.click()
    const text = speakable(message.answer)
    const pcm = sim.speechFor(text)
    await expect.poll(async () => (await audioProbe(page)).samples, WAIT).toBe(pcm.length / 2)
    const probe = await audioProbe(page)
    expect(probe).toMatchObject({ rates: [24_000], checksum: pcmChecksum(pcm) })
    expect(probe.nonZero).toBeGreaterThan(0)
    expect(sim.audioSessions.filter((s) => s.kind === 'speech').map((s) => s.text)).toEqual([text])
    // The page's audio clock ran the queue out: the button goes back to "read aloud".
    await expect.poll(() => speaker.getAttribute('aria-pressed'), WAIT).toBe('false')
    expect((await recorded(page)).errors).toEqual([])
    expect(pageErrors).toEqual([])
    await page.context().close()
  })

  it('should explain a refused microphone and keep the text chat working', async () => {
    const refusing = await launchChromium(mic.args('deny'))
    try {
      const { page, pageErrors } = await login(refusing, demo)
      await openWidget(page)
      await page.locator('volcano-chat .vc-mic').click()
      const alert = page.locator('volcano-chat .vc-voice-problem [role="alert"]')
      await expect.poll(() => alert.innerText(), WAIT).toContain('权限被拒绝')
      expect((await recorded(page)).errors).toEqual([
        expect.objectContaining({ code: 'VOICE_PERMISSION_DENIED' }),
      ])
      expect(await page.locator('volcano-chat .vc-mic').getAttribute('aria-pressed')).toBe('false')

      await ask(page, QUESTION)
      expect(await waitForAnswer(page, 1)).toMatchObject({ status: 'completed', question: QUESTION })
      expect(pageErrors).toEqual([])
    } finally {
      await refusing.close()
    }
  })
})
