// @vitest-environment node
import { describe, expect, it } from 'vitest'
import {
  parseApiBase,
  parseBoolean,
  parseImageOrigins,
  parseLocale,
  parseScheme,
  parseSettings,
  parseTheme,
  textOn,
} from './settings'

describe('parseImageOrigins', () => {
  it('should keep exact https origins and ignore everything else', () => {
    expect([
      ...parseImageOrigins(
        'https://cdn.example.com https://img.example.org:8443/, http://plain.example https://a.example/path * /rel https://u@b.example',
      ),
    ]).toEqual(['https://cdn.example.com', 'https://img.example.org:8443'])
    expect(parseImageOrigins(undefined).size).toBe(0)
  })

  it('should default to none, and take the registration default', () => {
    expect(parseSettings({}).imageOrigins.size).toBe(0)
    expect([...parseSettings({}, { imageOrigins: 'https://cdn.example' }).imageOrigins]).toEqual([
      'https://cdn.example',
    ])
  })
})

describe('parseSettings', () => {
  it('should give the defaults for nothing', () => {
    const s = parseSettings({})
    expect(s).toMatchObject({
      apiBase: '',
      token: '',
      title: '',
      locale: 'zh-CN',
      position: 'bottom-right',
      open: false,
    })
    expect(s.theme).toEqual({})
    expect([...s.features]).toEqual(['cancel'])
  })

  it('should take the element value, else the registration default', () => {
    const s = parseSettings(
      { title: '', locale: 'en', open: undefined },
      { title: 'Help', locale: 'zh-CN', open: '', apiBase: 'https://chat.example/' },
    )
    expect(s).toMatchObject({ title: 'Help', locale: 'en', open: true, apiBase: 'https://chat.example' })
  })

  it('should hide the optional parts with features="none"', () => {
    expect([...parseSettings({ features: 'none' }).features]).toEqual([])
  })

  it('should parse features from a list and drop unknown ones', () => {
    expect([...parseSettings({ features: 'cancel, voice  bogus' }).features]).toEqual(['cancel', 'voice'])
  })

  it('should leave voice off by default and read voice-send', () => {
    const s = parseSettings({})
    expect(s.features.has('voice')).toBe(false)
    expect(s.voiceSend).toBe('confirm')
    expect(parseSettings({ voiceSend: ' Release ' }).voiceSend).toBe('release')
    expect(parseSettings({ voiceSend: 'bogus' }).voiceSend).toBe('confirm')
    expect(parseSettings({}, { voiceSend: 'release', features: 'voice' })).toMatchObject({
      voiceSend: 'release',
      features: new Set(['voice']),
    })
  })

  it('should fall back to bottom-right for an unknown position', () => {
    expect(parseSettings({ position: 'top' }).position).toBe('bottom-right')
    expect(parseSettings({ position: 'bottom-left' }).position).toBe('bottom-left')
  })
})

describe('parseBoolean', () => {
  it('should read attribute strings as Vue casts them', () => {
    expect(parseBoolean(true)).toBe(true)
    expect(parseBoolean('')).toBe(true)
    expect(parseBoolean('open')).toBe(true)
    expect(parseBoolean('false')).toBe(false)
    expect(parseBoolean('0')).toBe(false)
    expect(parseBoolean(undefined)).toBe(false)
  })
})

describe('parseLocale', () => {
  it('should default to zh-CN and accept en variants', () => {
    expect(parseLocale(undefined)).toBe('zh-CN')
    expect(parseLocale('fr')).toBe('zh-CN')
    expect(parseLocale('EN-us')).toBe('en')
  })
})

describe('parseApiBase', () => {
  it('should keep http(s) URLs without a trailing slash', () => {
    expect(parseApiBase('https://chat.example/base/')).toBe('https://chat.example/base')
  })
  it('should refuse other schemes and relative strings', () => {
    expect(parseApiBase('javascript:alert(1)')).toBe('')
    expect(parseApiBase('/relative')).toBe('')
  })
})

describe('parseTheme', () => {
  it('should set custom properties for valid colours only', () => {
    expect(parseTheme({ primaryColor: '#ffffff', accentColor: 'rgb(1, 2, 3)' })).toEqual({
      '--vc-primary': '#ffffff',
      '--vc-on-primary': '#111',
      '--vc-accent': 'rgb(1, 2, 3)',
    })
    expect(parseTheme({ primaryColor: 'red;background:url(//x)', accentColor: 'url(x)' })).toEqual({})
  })
})

describe('parseScheme', () => {
  it('should take light or dark and make anything else auto', () => {
    expect(parseScheme('dark')).toBe('dark')
    expect(parseScheme(' Light ')).toBe('light')
    expect(parseScheme('')).toBe('auto')
    expect(parseScheme('sepia')).toBe('auto')
    expect(parseSettings({}).scheme).toBe('auto')
    expect(parseSettings({ theme: '' }, { theme: 'dark' }).scheme).toBe('dark')
  })
})

describe('textOn', () => {
  it('should pick the text colour with more contrast', () => {
    expect(textOn('#1d4ed8')).toBe('#fff')
    expect(textOn('#fde047')).toBe('#111')
    expect(textOn('#000')).toBe('#fff')
    expect(textOn('teal')).toBe('#fff')
  })
})

describe('welcome settings', () => {
  it('should read welcome-text as given and welcome-questions as a JSON array', () => {
    const s = parseSettings({ welcomeText: ' 欢迎 ', welcomeQuestions: '["a","b"]' })
    expect(s.welcomeText).toBe('欢迎')
    expect(s.welcomeQuestions).toEqual(['a', 'b'])
  })

  it("should leave both unset (the bot's) when absent or unusable", () => {
    const s = parseSettings({ welcomeQuestions: 'a|b' })
    expect(s.welcomeText).toBe('')
    expect(s.welcomeQuestions).toBeUndefined()
    expect(parseSettings({}, { welcomeQuestions: '[]' }).welcomeQuestions).toEqual([])
  })
})
