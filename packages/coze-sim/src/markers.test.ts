import { describe, expect, it } from 'vitest'
import { MarkerError, parseMarkers } from './markers'

const NONE = {
  card: false,
  objectString: false,
  ask: false,
  hang: false,
  malformed: false,
  split: false,
  reasoning: false,
  xss: false,
}

describe('parseMarkers', () => {
  it('should strip markers from the question and read every kind', () => {
    const { question, markers } = parseMarkers(
      '你好 [[sim:ttft=10,tps=0 tokens=30]] 世界 [[sim:drop-after=5]][[sim:stall-after=2,http=503]] ' +
        '[[sim:hang,malformed,split,reasoning,xss]]',
    )
    expect(question).toBe('你好 世界')
    expect(markers).toEqual({
      ...NONE,
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
      markers: NONE,
    })
  })

  it("should read Coze's chat behaviours: code, fail-code, drop-fail-after, answers, card, object-string, ask, tool", () => {
    const { markers } = parseMarkers(
      'q [[sim:code=4008,fail-code=4010 drop-fail-after=3,answers=2,card,object-string]] [[sim:tool=my_orders]]',
    )
    expect(markers).toEqual({
      ...NONE,
      code: 4008,
      failCode: 4010,
      dropFailAfter: 3,
      answers: 2,
      card: true,
      objectString: true,
      tool: 'my_orders',
    })
    expect(parseMarkers('q [[sim:ask]]').markers.ask).toBe(true)
  })

  it.each([
    ['[[sim:nope]]', /unknown marker "nope"/],
    ['[[sim:code=0]]', /code needs a number ≥ 1/],
    ['[[sim:answers=0]]', /answers needs a number ≥ 1/],
    ['[[sim:tool]]', /tool needs a function name/],
    ['[[sim:tool=a-b]]', /tool needs a function name/],
    ['[[sim:card=1]]', /card takes no value/],
    ['[[sim:ask,tool=x]]', /cannot be combined/],
    ['[[sim:ttft]]', /ttft needs a whole number/],
    ['[[sim:tps=fast]]', /tps needs a whole number/],
    ['[[sim:http=404]]', /http=404/],
    ['[[sim:hang=1]]', /hang takes no value/],
  ])('should reject %s', (text, message) => {
    expect(() => parseMarkers(text)).toThrow(MarkerError)
    expect(() => parseMarkers(text)).toThrow(message)
  })
})
