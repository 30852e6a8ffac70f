import { describe, expect, it } from 'vitest'
import { MarkerError, parseMarkers } from './markers'

describe('parseMarkers', () => {
  it('should strip markers from the question and read every kind', () => {
    const { question, markers } = parseMarkers(
      '你好 [[sim:ttft=10,tps=0 tokens=30]] 世界 [[sim:drop-after=5]][[sim:stall-after=2,http=503]] ' +
        '[[sim:hang,malformed,split,reasoning,xss]]',
    )
    expect(question).toBe('你好 世界')
    expect(markers).toEqual({
      ttft: 10,
      tps: 0,
      tokens: 30,
      dropAfter: 5,
      stallAfter: 2,
      http: 503,
      hang: true,
      malformed: true,
      split: true,
      reasoning: true,
      xss: true,
    })
  })

  it('should read error-event and fail with and without a delta count', () => {
    expect(parseMarkers('q [[sim:error-event]]').markers.errorEvent).toEqual({ afterDeltas: undefined })
    expect(parseMarkers('q [[sim:error-event=3]]').markers.errorEvent).toEqual({ afterDeltas: 3 })
    expect(parseMarkers('q [[sim:fail]]').markers.fail).toEqual({ afterDeltas: undefined })
    expect(parseMarkers('q [[sim:fail=0]]').markers.fail).toEqual({ afterDeltas: 0 })
  })

  it('should leave a question without markers untouched except for outer spaces', () => {
    expect(parseMarkers('  [not a marker] [[other]] ')).toEqual({
      question: '[not a marker] [[other]]',
      markers: { hang: false, malformed: false, split: false, reasoning: false, xss: false },
    })
  })

  it.each([
    ['[[sim:nope]]', /unknown marker "nope"/],
    ['[[sim:ttft]]', /ttft needs a whole number/],
    ['[[sim:tps=fast]]', /tps needs a whole number/],
    ['[[sim:http=404]]', /http=404/],
    ['[[sim:hang=1]]', /hang takes no value/],
  ])('should reject %s', (text, message) => {
    expect(() => parseMarkers(text)).toThrow(MarkerError)
    expect(() => parseMarkers(text)).toThrow(message)
  })
})
