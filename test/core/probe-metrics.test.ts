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
const rate = (flags: boolean[]) => (flags.length === 0 ? 0 : flags.filter(Boolean).length / flags.length)

/** The rates by their definitions over the asked challenges alone (those with an outcome), written apart from the implementation. */
function ratesOverAsked(outcomes: readonly ProbeOutcome[]) {
  const byId = new Map(outcomes.map((x) => [toHex(x.challengeId), x]))
  const of = (c: Challenge) => byId.get(toHex(c.id))
  const asked = suite.filter((c) => of(c) !== undefined)
  return {
    successRate: rate(asked.filter((c) => c.kind === 'base').map((c) => of(c)!.correct)),
    robustnessScore: rate(asked.filter((c) => c.kind === 'metamorphic' && of(suite[c.base]!)?.correct === true).map((c) => of(c)!.correct)),
    refusalConsistency: rate(asked.filter((c) => c.kind === 'paraphrase' && of(suite[c.base]!) !== undefined).map((c) => of(c)!.refused === of(suite[c.base]!)!.refused)),
    toolFidelity: rate(asked.filter((c) => c.task === 'json').map((c) => of(c)!.wellFormed === true)),
  }
}

/** The rates as they were before unasked challenges were left out: over the whole suite, a missing outcome refused, wrong and not well-formed. */
function ratesCountingMissing(outcomes: readonly ProbeOutcome[]) {
  const byId = new Map(outcomes.map((x) => [toHex(x.challengeId), x]))
  const correct = (c: Challenge) => byId.get(toHex(c.id))?.correct ?? false
  const refused = (c: Challenge) => byId.get(toHex(c.id))?.refused ?? true
  const of = (kind: Challenge['kind']) => suite.filter((c) => c.kind === kind)
  return {
    successRate: rate(of('base').map(correct)),
    robustnessScore: rate(of('metamorphic').flatMap((c) => (correct(suite[c.base]!) ? [correct(c)] : []))),
    refusalConsistency: rate(of('paraphrase').map((c) => refused(c) === refused(suite[c.base]!))),
    toolFidelity: rate(suite.filter((c) => c.task === 'json').map((c) => byId.get(toHex(c.id))?.wellFormed === true)),
  }
}

const answer = fc.oneof(fc.constant('expected'), fc.constant(undefined), fc.string({ maxLength: 12 }))
/** An answer drawn for `c`: its expected one, none (an error) or any text; json challenges get well-formed wrong answers too. */
const answerFor = (c: Challenge, drawn: string | undefined, wellFormedWrong: boolean) => {
  if (drawn === 'expected') return c.expected
  if (c.task === 'json' && wellFormedWrong) return JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(c.expected) as object).map((k) => [k, 'zz'])))
  return drawn
}

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
  it('are perfect for a provider that answers everything right, and null for one that refuses everything or was asked nothing', () => {
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
    expect(metricsFromOutcomes(suite, suite.map((c) => refusal(c)), 0.5)).toEqual({
      successRate: 0,
      refusalConsistency: 1,
      toolFidelity: 0,
      latencyP50Ms: 10,
      latencyP95Ms: 10,
      robustnessScore: 0,
      driftIndicator: 0.5,
      freshness: 'weak',
    })
    // Nothing asked: every rate is over no challenges, so 0, and no latency ever arrived.
    expect(metricsFromOutcomes(suite, [], 0.5)).toEqual({
      successRate: 0,
      refusalConsistency: 0,
      toolFidelity: 0,
      latencyP50Ms: U32_MAX,
      latencyP95Ms: U32_MAX,
      robustnessScore: 0,
      driftIndicator: 0.5,
      freshness: 'weak',
    })
  })

  it('leave out the challenges that were not asked, while an error (no answer) counts as a refusal', () => {
    const bases = suite.filter((c) => c.kind === 'base')
    const askedBases = new Set(bases.slice(0, bases.length / 2).map((c) => toHex(c.id)))
    const baseAsked = (c: Challenge) => askedBases.has(toHex(suite[c.base]!.id))
    // Half the bases answered right, the other half never asked; every variant and paraphrase asked and answered right.
    const outcomes = suite.flatMap((c) => (c.kind !== 'base' || baseAsked(c) ? [right(c)] : []))
    expect(metricsFromOutcomes(suite, outcomes, 0.5)).toMatchObject({ successRate: 1, robustnessScore: 1, refusalConsistency: 1, toolFidelity: 1, driftIndicator: 0.5 })
    // The same bases asked and refused do count.
    const refusedBases = metricsFromOutcomes(suite, [...outcomes, ...bases.filter((c) => !baseAsked(c)).map((c) => refusal(c))])
    expect(refusedBases.successRate).toBe(0.5)
    expect(refusedBases.refusalConsistency).toBeLessThan(1)
    // A paraphrase refused whose base was not asked says nothing about consistency.
    const refusedParaphrases = outcomes.map((x) => {
      const c = suite.find((s) => toHex(s.id) === toHex(x.challengeId))!
      return c.kind === 'paraphrase' && !baseAsked(c) ? refusal(c) : x
    })
    expect(metricsFromOutcomes(suite, refusedParaphrases).refusalConsistency).toBe(1)
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

  it('are rates in [0, 1] over the asked challenges alone, and ordered latencies, for any subset of answers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), answer, fc.boolean(), fc.double({ min: 0, max: 1e5, noNaN: true })), { minLength: suite.length, maxLength: suite.length }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        (picks, previous) => {
          const outcomes = suite.flatMap((c, i) => {
            const [given, text, wellFormedWrong, latency] = picks[i]!
            return given ? [scoreAnswer(c, answerFor(c, text, wellFormedWrong), latency)] : []
          })
          const m = metricsFromOutcomes(suite, outcomes, previous)
          for (const rate of [m.successRate, m.refusalConsistency, m.toolFidelity, m.robustnessScore, m.driftIndicator]) {
            expect(rate).toBeGreaterThanOrEqual(0)
            expect(rate).toBeLessThanOrEqual(1)
          }
          expect(m).toMatchObject(ratesOverAsked(outcomes))
          expect(Number.isInteger(m.latencyP50Ms) && m.latencyP50Ms <= m.latencyP95Ms && m.latencyP95Ms <= U32_MAX).toBe(true)
        },
      ),
    )
  })

  it('are what they were over the whole suite when every challenge was asked', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(answer, fc.boolean()), { minLength: suite.length, maxLength: suite.length }), (picks) => {
        const outcomes = suite.map((c, i) => scoreAnswer(c, answerFor(c, picks[i]![0], picks[i]![1]), i))
        expect(metricsFromOutcomes(suite, outcomes)).toMatchObject(ratesCountingMissing(outcomes))
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
