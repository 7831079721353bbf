/** maxProbeRedundancy on a router: which reports on a target are heard, the lottery factor, and the field's prober counts. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BeliefError,
  BeliefField,
  createBeliefSettings,
  createRuleBundle,
  heardReports,
  lotteryFactor,
  standingTier,
  type RedundancyReport,
} from '../../core/index.js'
import { metricsAt } from './fixtures.js'
import { errorCode } from './helpers.js'

/** Honest reports near a truth: prober i is off by a small fixed amount. */
const near = (truth: number, i: number) => Math.min(1, Math.max(0, truth + ((i * 7919) % 11) / 250 - 0.02))

const report = fc.record({
  trust: fc.double({ min: 0.01, max: 4, noNaN: true }),
  assignment: fc.option(fc.double({ min: 0, max: 0.999, noNaN: true }), { nil: undefined }),
  prober: fc.string({ minLength: 1, maxLength: 6 }),
  ticketed: fc.boolean(),
})
const reports = fc.uniqueArray(report, { selector: (r) => r.prober, maxLength: 30 })

describe('which reports a router hears', () => {
  /** A fresh ticketed prober's trust: above it a prober has earned standing. */
  const EARNED = 1
  const draw = (r: RedundancyReport) => r.assignment ?? Number.POSITIVE_INFINITY

  it('hears at most the cap, all of them when there are no more; a higher standing tier first, and within one the lower draws', () => {
    fc.assert(
      fc.property(reports, fc.integer({ min: 1, max: 16 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (rs, cap, threshold) => {
        const heard = heardReports(rs, cap, threshold, 2, EARNED)
        expect(heard).toHaveLength(Math.min(cap, rs.length))
        expect(new Set(heard).size).toBe(heard.length)
        const left = rs.map((_, i) => i).filter((i) => !heard.includes(i))
        for (const h of heard) {
          for (const l of left) {
            const [a, b] = [rs[h]!, rs[l]!].map((r) => ({ r, tier: standingTier(r, threshold, 2, EARNED) }))
            expect(a!.tier).toBeGreaterThanOrEqual(b!.tier)
            if (a!.tier === b!.tier) expect(draw(a!.r)).toBeLessThanOrEqual(draw(b!.r))
          }
        }
      }),
    )
  })

  it('hears the same probers whatever order their reports arrived in', () => {
    fc.assert(
      fc.property(reports, fc.integer({ min: 1, max: 8 }), (rs, cap) => {
        const names = (xs: RedundancyReport[]) => heardReports(xs, cap, 0.25, 2, EARNED).map((i) => xs[i]!.prober)
        expect(names([...rs].reverse())).toEqual(names(rs))
      }),
    )
  })

  it('hears established ticketed probers by draw, then key, then fresh ticketed ones, then the unticketed: trust decides nothing more', () => {
    const reports: RedundancyReport[] = [
      { trust: 4, assignment: 0.9, prober: 'trusted-crowd', ticketed: true },
      { trust: 1.5, assignment: 0.2, prober: 'a', ticketed: true },
      { trust: 2, assignment: undefined, prober: 'b', ticketed: true },
      { trust: 3, assignment: 0.05, prober: 'c', ticketed: true },
      { trust: 2, assignment: undefined, prober: 'd', ticketed: true },
      { trust: 1, assignment: 0.01, prober: 'fresh', ticketed: true },
      { trust: 4, assignment: 0, prober: 'no-ticket', ticketed: false },
    ]
    const heard = (cap: number, threshold: number) => heardReports(reports, cap, threshold, 2, EARNED).map((i) => reports[i]!.prober)
    expect(heard(4, 0.5)).toEqual(['c', 'a', 'trusted-crowd', 'b'])
    expect(heard(7, 0.5)).toEqual(['c', 'a', 'trusted-crowd', 'b', 'd', 'fresh', 'no-ticket'])
    // With a lower threshold the crowd's draw lies beyond slack × threshold: its standing falls to 4 × 0.2 / 0.9, no more than a fresh prober's.
    expect(heard(6, 0.1)).toEqual(['c', 'a', 'b', 'd', 'fresh', 'trusted-crowd'])
  })

  it('weighs a report in full up to slack × threshold, then less the higher its draw, and never nothing', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), fc.double({ min: 1, max: 10, noNaN: true }), (a, b, threshold, slack) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        const f = (x: number) => lotteryFactor(x, threshold, slack)
        expect(f(hi)).toBeLessThanOrEqual(f(lo))
        expect(f(hi)).toBeGreaterThan(0)
        expect(f(lo)).toBeLessThanOrEqual(1)
        if (hi <= slack * threshold) expect(f(hi)).toBe(1)
      }),
    )
    expect(lotteryFactor(undefined, 0.01, 1)).toBe(1)
    expect(lotteryFactor(0.8, 0.1, 2)).toBeCloseTo(0.25, 12)
  })
})

describe('the belief field under maxProbeRedundancy', () => {
  const rules = createRuleBundle({ maxProbeRedundancy: 6, minDiverseProbers: 4 })

  it('hears at most maxProbeRedundancy reports on a target and says how many it left unheard', () => {
    const field = new BeliefField(rules)
    for (let i = 0; i < 10; i++) field.addReport({ prober: `p${i}`, target: 't', epoch: 1n, metrics: metricsAt(near(0.8, i)) }, { ticketed: true })
    for (let i = 0; i < 4; i++) field.addReport({ prober: `p${i}`, target: 'u', epoch: 1n, metrics: metricsAt(near(0.6, i)) }, { ticketed: true })
    field.closeEpoch(1n)
    expect(field.belief('t')).toMatchObject({ reports: 6, unheard: 4 })
    expect(field.belief('u')).toMatchObject({ reports: 4, unheard: 0 })
  })

  it('hears established probers over fresh identities that crowd a target', () => {
    const crowded = new BeliefField(rules)
    const alone = new BeliefField(rules)
    // Six probers earn trust over three epochs on two providers.
    for (const field of [crowded, alone]) {
      for (let e = 1n; e <= 3n; e++) {
        for (let i = 0; i < 6; i++) for (const [target, truth] of [['t', 0.3], ['u', 0.7]] as const) field.addReport({ prober: `p${i}`, target, epoch: e, metrics: metricsAt(near(truth, i + Number(e))) }, { ticketed: true })
        field.closeEpoch(e)
      }
    }
    // Then twelve fresh ticketed identities call the weak provider perfect, each with its own draw and a lower one than any established prober's.
    for (const field of [crowded, alone]) for (let i = 0; i < 6; i++) field.addReport({ prober: `p${i}`, target: 't', epoch: 4n, metrics: metricsAt(near(0.3, i)) }, { ticketed: true, assignment: 0.5 })
    for (let i = 0; i < 12; i++) crowded.addReport({ prober: `fresh${i}`, target: 't', epoch: 4n, metrics: metricsAt(0.95 + i / 300) }, { ticketed: true, assignment: 0.01 })
    for (const field of [crowded, alone]) field.closeEpoch(4n)
    expect(crowded.belief('t')).toMatchObject({ reports: 6, unheard: 12 })
    expect(crowded.belief('t').mu).toBeCloseTo(alone.belief('t').mu, 12)
    expect(crowded.probers().filter((p) => p.prober.startsWith('fresh')).every((p) => p.lastError === undefined)).toBe(true)
  })

  it('counts ticketed probers, and all unticketed ones as one, for the lottery two epochs on', () => {
    const field = new BeliefField(rules)
    for (let i = 0; i < 5; i++) field.addReport({ prober: `t${i}`, target: 'x', epoch: 1n, metrics: metricsAt(0.5) }, { ticketed: true })
    for (let i = 0; i < 9; i++) field.addReport({ prober: `u${i}`, target: `y${i}`, epoch: 1n, metrics: metricsAt(0.5) }, { ticketed: false })
    field.closeEpoch(1n)
    expect(field.expectedProbers(3n)).toBe(5 + 1 + 1)
    expect(field.assignmentThreshold(3n)).toBeCloseTo(6 / 7, 12)
    // Nothing counted for epoch 0 or 2: a prober probes everything.
    expect(field.expectedProbers(2n)).toBe(1)
    expect(field.assignmentThreshold(4n)).toBe(1)
  })

  it('weighs a report whose draw lies far above the threshold less than an assigned one', () => {
    const aggregateWith = (liarDraw: number) => {
      const field = new BeliefField(rules, { madCutoff: 100 }) // every report an inlier: only weights differ
      for (let i = 0; i < 39; i++) field.addReport({ prober: `c${i}`, target: `count${i % 3}`, epoch: 1n, metrics: metricsAt(0.5) }, { ticketed: true })
      field.closeEpoch(1n)
      field.closeEpoch(2n)
      // Threshold 6 / 40 in epoch 3: honest draws below it, the dissenter's at `liarDraw`.
      for (let i = 0; i < 4; i++) field.addReport({ prober: `c${i}`, target: 't', epoch: 3n, metrics: metricsAt(0.8) }, { ticketed: true, assignment: 0.01 * i })
      field.addReport({ prober: 'c9', target: 't', epoch: 3n, metrics: metricsAt(0.2) }, { ticketed: true, assignment: liarDraw })
      field.closeEpoch(3n)
      return field.belief('t').history.at(-1)!.aggregate!
    }
    expect(aggregateWith(0.95)).toBeGreaterThan(aggregateWith(0.1) + 0.02)
    expect(aggregateWith(0.25)).toBeCloseTo(aggregateWith(0.1), 12) // within slack (2) × threshold: no difference
  })

  it('refuses a draw outside [0, 1) and lottery settings out of range, with typed errors', () => {
    const field = new BeliefField(rules)
    for (const assignment of [1, -0.1, Number.NaN, 2]) {
      expect(errorCode(() => field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: metricsAt(0.5) }, { assignment }), BeliefError)).toBe('bad-assignment')
    }
    expect(errorCode(() => createBeliefSettings({ assignmentSlack: 0.5 }), BeliefError)).toBe('invalid-setting')
    expect(errorCode(() => createBeliefSettings({ assignmentSlack: Number.POSITIVE_INFINITY }), BeliefError)).toBe('invalid-setting')
  })
})
