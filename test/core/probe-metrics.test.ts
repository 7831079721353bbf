import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../core/index.js'
import { createChallengeSuite, type Challenge } from '../../core/probe/challenges.js'
import { ProbeError } from '../../core/probe/errors.js'
import { metricsFromOutcomes, outcomeCommitment, scoreAnswer, type ProbeOutcome } from '../../core/probe/metrics.js'
import { seed } from './fixtures.js'
import { errorCode } from './helpers.js'

let suite: Challenge[]
beforeAll(async () => {
  suite = await createChallengeSuite({ secretSeed: seed(1), world: seed(2), epoch: 7n })
})

const U32_MAX = 0xffff_ffff
const jsonBase = () => suite.find((c) => c.task === 'json' && c.kind === 'base' && Object.keys(JSON.parse(c.expected) as object).length > 1)!
const right = (c: Challenge, latencyMs = 10) => scoreAnswer(c, c.expected, latencyMs)
const wrong = (c: Challenge, latencyMs = 10) => scoreAnswer(c, c.task === 'json' ? '{}' : `${c.expected}9`, latencyMs)
const refusal = (c: Challenge, latencyMs = 10) => scoreAnswer(c, undefined, latencyMs)

describe('scoring one answer', () => {
  it('marks right, wrong and refused answers, whatever the spelling of a right one', () => {
    for (const c of suite) {
      expect(right(c)).toMatchObject({ challengeId: c.id, answer: c.expected, correct: true, refused: false })
      expect(scoreAnswer(c, ` ${c.expected}\n`, 1).correct).toBe(true)
      expect(wrong(c)).toMatchObject({ correct: false, refused: false })
      for (const declined of [undefined, '', ' \n']) expect(scoreAnswer(c, declined, 1)).toMatchObject({ answer: declined ?? '', correct: false, refused: true })
      expect(right(c).wellFormed).toBe(c.task === 'json' ? true : undefined)
    }
  })

  it('calls a json answer well-formed when it is an object with exactly the expected keys, right or not', () => {
    const c = jsonBase()
    const expected = JSON.parse(c.expected) as Record<string, unknown>
    const keys = Object.keys(expected)
    const wellFormed = (answer: string) => scoreAnswer(c, answer, 1).wellFormed
    expect(wellFormed(JSON.stringify(Object.fromEntries(keys.reverse().map((k) => [k, 'zz']))))).toBe(true)
    expect(scoreAnswer(c, JSON.stringify(Object.fromEntries(keys.map((k) => [k, 'zz']))), 1).correct).toBe(false)
    expect(wellFormed(JSON.stringify({ ...expected, extra: 1 }))).toBe(false)
    expect(wellFormed(JSON.stringify(Object.fromEntries(keys.slice(1).map((k) => [k, expected[k]]))))).toBe(false)
    for (const answer of [`[${c.expected}]`, c.expected.slice(0, -1), 'null', '"x"', '', 'ok']) expect(wellFormed(answer), answer).toBe(false)
  })

  it('survives a deeply nested json answer (wrong, not a crash)', () => {
    const c = jsonBase()
    const key = Object.keys(JSON.parse(c.expected) as object)[0]!
    const deep = `{${JSON.stringify(key)}:${'['.repeat(200_000)}${']'.repeat(200_000)}}`
    expect(scoreAnswer(c, deep, 1)).toMatchObject({ correct: false, refused: false, wellFormed: false })
  })

  it('keeps latency in whole ms and refuses one that is negative or not finite', () => {
    expect(scoreAnswer(suite[0]!, 'x', 12.4).latencyMs).toBe(12)
    expect(scoreAnswer(suite[0]!, 'x', 1e300).latencyMs).toBe(U32_MAX)
    for (const latency of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(errorCode(() => scoreAnswer(suite[0]!, 'x', latency), ProbeError), String(latency)).toBe('bad-challenge')
    }
  })

  it('never throws for any answer and latency', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.option(fc.string({ unit: 'binary', maxLength: 80 }), { nil: undefined }), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), (at, answer, latency) => {
        const outcome = scoreAnswer(suite[at % suite.length]!, answer, latency)
        expect(outcome.refused && outcome.correct).toBe(false)
      }),
    )
  })
})

describe('metrics of a suite', () => {
  it('are perfect for a provider that answers everything right, and null for one that never answers', () => {
    expect(metricsFromOutcomes(suite, suite.map((c) => right(c)))).toEqual({
      successRate: 1,
      refusalConsistency: 1,
      toolFidelity: 1,
      latencyP50Ms: 10,
      latencyP95Ms: 10,
      robustnessScore: 1,
      driftIndicator: 0,
      freshness: 'weak',
    })
    // Refusing everything is consistent, but earns nothing else.
    expect(metricsFromOutcomes(suite, [], 0.5)).toEqual({
      successRate: 0,
      refusalConsistency: 1,
      toolFidelity: 0,
      latencyP50Ms: U32_MAX,
      latencyP95Ms: U32_MAX,
      robustnessScore: 0,
      driftIndicator: 0.5,
      freshness: 'weak',
    })
  })

  it('count successes on bases only, robustness on variants of right bases, consistency on refusals', () => {
    const bases = suite.filter((c) => c.kind === 'base')
    const firstHalf = new Set(bases.slice(0, bases.length / 2).map((c) => toHex(c.id)))
    const baseRight = (c: Challenge) => firstHalf.has(toHex(suite[c.base]!.id))
    const outcomes = suite.map((c) => {
      if (c.kind === 'base') return baseRight(c) ? right(c) : wrong(c)
      if (c.kind === 'metamorphic') return wrong(c)
      return refusal(c)
    })
    const metrics = metricsFromOutcomes(suite, outcomes, 0.75)
    expect(metrics.successRate).toBe(0.5)
    expect(metrics.driftIndicator).toBe(0.25)
    expect(metrics.robustnessScore).toBe(0)
    expect(metrics.refusalConsistency).toBe(0)
    const rightVariants = suite.map((c) => (c.kind === 'metamorphic' ? right(c) : outcomes[suite.indexOf(c)]!))
    expect(metricsFromOutcomes(suite, rightVariants).robustnessScore).toBe(1)
  })

  it('take latency percentiles by nearest rank over the outcomes given', () => {
    const outcomes = suite.slice(0, 20).map((c, i) => right(c, i + 1))
    expect(metricsFromOutcomes(suite, outcomes)).toMatchObject({ latencyP50Ms: 10, latencyP95Ms: 19 })
  })

  it('refuse outcomes from another suite, twice for one challenge, with a bad latency or flags that contradict the answer', async () => {
    const other = await createChallengeSuite({ secretSeed: seed(1), world: seed(2), epoch: 8n })
    const c = suite[0]!
    const cases: ProbeOutcome[][] = [
      [right(other[0]!)],
      [right(c), right(c)],
      [{ ...right(c), latencyMs: -1 }],
      [{ ...right(c), latencyMs: Number.NaN }],
      [{ ...right(c), correct: false }],
      [{ ...refusal(c), refused: false }],
      [{ ...right(c), wellFormed: c.task === 'json' ? false : true }],
    ]
    for (const outcomes of cases) expect(errorCode(() => metricsFromOutcomes(suite, outcomes), ProbeError)).toBe('bad-challenge')
    for (const previous of [-0.1, 1.1, Number.NaN]) expect(errorCode(() => metricsFromOutcomes(suite, [], previous), ProbeError)).toBe('invalid-setting')
  })

  it('are rates in [0, 1] and ordered latencies for any subset of answers', () => {
    const answer = fc.oneof(fc.constant('expected'), fc.constant(undefined), fc.string({ maxLength: 12 }))
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), answer, fc.double({ min: 0, max: 1e5, noNaN: true }))), fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }), (picks, previous) => {
        const outcomes = suite.flatMap((c, i) => {
          const [given, text, latency] = picks[i] ?? [false, undefined, 0]
          return given ? [scoreAnswer(c, text === 'expected' ? c.expected : text, latency)] : []
        })
        const m = metricsFromOutcomes(suite, outcomes, previous)
        for (const rate of [m.successRate, m.refusalConsistency, m.toolFidelity, m.robustnessScore, m.driftIndicator]) {
          expect(rate).toBeGreaterThanOrEqual(0)
          expect(rate).toBeLessThanOrEqual(1)
        }
        expect(Number.isInteger(m.latencyP50Ms) && m.latencyP50Ms <= m.latencyP95Ms && m.latencyP95Ms <= U32_MAX).toBe(true)
      }),
    )
  })

  it('refuse garbage outcomes with ProbeError, never another exception', () => {
    const garbled = fc.tuple(fc.nat(), fc.constantFrom('challengeId', 'answer', 'correct', 'refused', 'wellFormed', 'latencyMs'), fc.anything()).map(([at, field, value]) => ({ ...right(suite[at % suite.length]!), [field]: value }))
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.anything(), garbled)), (outcomes) => {
        errorCode(() => metricsFromOutcomes(suite, outcomes as ProbeOutcome[]), ProbeError)
      }),
    )
    expect(errorCode(() => metricsFromOutcomes(suite, 'x' as unknown as ProbeOutcome[]), ProbeError)).toBe('bad-challenge')
  })
})

describe('outcome commitments', () => {
  it('bind the challenge, the answer, the verdict and the latency in whole ms', async () => {
    const [a, b] = [suite[0]!, suite[1]!]
    const base = right(a, 12)
    const commit = async (o: ProbeOutcome) => toHex(await outcomeCommitment(o))
    expect(await commit({ ...base, latencyMs: 12.3 })).toBe(await commit(base))
    const variants = [{ ...base, challengeId: b.id }, { ...base, answer: `${base.answer} ` }, { ...base, correct: false }, { ...base, refused: true }, { ...base, latencyMs: 13 }]
    const all = new Set([await commit(base), ...(await Promise.all(variants.map(commit)))])
    expect(all.size).toBe(variants.length + 1)
  })

  it('reject a value that is not an outcome', async () => {
    for (const bad of [{ ...right(suite[0]!), challengeId: new Uint8Array(31) }, { ...right(suite[0]!), latencyMs: -5 }, null]) {
      await expect(outcomeCommitment(bad as ProbeOutcome)).rejects.toBeInstanceOf(ProbeError)
    }
  })
})
