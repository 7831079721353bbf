/** Closing a span of epochs at once: the same field as closing each in turn, and a long quiet gap costs its tail, not its length. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BeliefField, createSigner, createWorld, defaultRuleBundle, epochAt } from '../../core/index.js'
import { BeliefRouter } from '../../core/belief/router.js'
import { sampleAttestationEvent } from '../../core/sim/sample-events.js'
import { metricsAt } from './fixtures.js'

interface Scenario {
  historyLength: number
  driftPerEpoch: number
  /** Reports before the span, so beliefs start away from the prior. */
  warmup: { prober: number; target: number; rate: number }[]
  /** Reports inside the span (epoch offset from its start). */
  inside: { offset: number; prober: number; target: number; rate: number }[]
  span: number
}

const report = fc.record({ prober: fc.integer({ min: 0, max: 4 }), target: fc.integer({ min: 0, max: 2 }), rate: fc.double({ min: 0, max: 1, noNaN: true }) })

const scenario: fc.Arbitrary<Scenario> = fc.record({
  historyLength: fc.integer({ min: 1, max: 6 }),
  driftPerEpoch: fc.double({ min: 0.01, max: 0.6, noNaN: true }),
  warmup: fc.array(report, { maxLength: 12 }),
  inside: fc.array(fc.record({ offset: fc.integer({ min: 0, max: 59 }), prober: report.map((r) => r.prober), target: report.map((r) => r.target), rate: report.map((r) => r.rate) }), { maxLength: 6 }),
  span: fc.integer({ min: 1, max: 60 }),
})

const WARMUP_EPOCH = 3n
const FIRST = 4n

function fieldOf(s: Scenario): BeliefField {
  const field = new BeliefField(defaultRuleBundle, { historyLength: s.historyLength, driftPerEpoch: s.driftPerEpoch })
  field.track('t9') // a provider nobody reports on
  for (const r of s.warmup) field.addReport({ prober: `p${r.prober}`, target: `t${r.target}`, epoch: WARMUP_EPOCH, metrics: metricsAt(r.rate) }, { ticketed: true })
  field.closeEpoch(WARMUP_EPOCH)
  for (const r of s.inside) {
    if (r.offset >= s.span) continue
    field.addReport({ prober: `p${r.prober}`, target: `t${r.target}`, epoch: FIRST + BigInt(r.offset), metrics: metricsAt(r.rate) }, { ticketed: r.prober % 2 === 0 })
  }
  return field
}

const view = (field: BeliefField, through: bigint) => ({
  beliefs: field.beliefs(),
  probers: field.probers(),
  closedThrough: field.closedThrough,
  expected: [0n, 1n, 2n, 3n].map((d) => field.expectedProbers(through + d)),
})

describe('closing a span of epochs', () => {
  it('leaves the field as closing each epoch in turn does', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const through = FIRST + BigInt(s.span) - 1n
        const oneByOne = fieldOf(s)
        for (let e = FIRST; e <= through; e++) oneByOne.closeEpoch(e)
        const atOnce = fieldOf(s)
        atOnce.closeEpochs(FIRST, through)
        expect(view(atOnce, through)).toEqual(view(oneByOne, through))
      }),
      { numRuns: 300 },
    )
  })

  it('crosses a gap of millions of epochs to the fixed point, keeping the last points', () => {
    const field = new BeliefField(defaultRuleBundle, { historyLength: 8 })
    field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: metricsAt(0.9) }, { ticketed: true })
    field.closeEpoch(1n)
    const sigmaAfterReport = field.belief('t').sigma
    expect(sigmaAfterReport).toBeLessThan(1)
    const now = 3_000_000n
    field.closeEpochs(2n, now)
    const belief = field.belief('t')
    expect(field.closedThrough).toBe(now)
    expect(belief.sigma).toBe(1) // widened by the drift until it reached the cap
    expect(belief.history.map((p) => p.epoch)).toEqual(Array.from({ length: 8 }, (_, i) => now - 7n + BigInt(i)))
    expect(belief.history.every((p) => p.aggregate === undefined && p.sigma === 1)).toBe(true)
    // Reports for an epoch now closed are late; the next one is open.
    expect(field.addReport({ prober: 'p', target: 't', epoch: now, metrics: metricsAt(0.5) })).toBe('late')
    expect(field.addReport({ prober: 'p', target: 't', epoch: now + 1n, metrics: metricsAt(0.5) })).toBe('added')
  })
})

describe('a router replaying evidence of an epoch long past', () => {
  it('closes every epoch since in one tick and refuses evidence of them after', async () => {
    const base = await createWorld('quiet harbor lantern')
    const world = await createWorld('quiet harbor lantern', { ...base.rules, epochLenMs: 10_000n })
    const router = new BeliefRouter(world, { controlPlaneKey: undefined, handleSecret: new Uint8Array(32).fill(7) })
    // Epoch 1 is tens of millions of epochs back: a replayed log may hold such a record (signed by anyone).
    const ancient = await sampleAttestationEvent(world.id, await createSigner(new Uint8Array(32).fill(3)), 0, 1n)
    expect(router.ingest(ancient, Date.now(), true)).toBe(true)
    const nowMs = Date.now()
    await router.tick(nowMs)
    const now = epochAt(world.rules, nowMs)
    expect(router.refusesEvidenceOf(1n, nowMs, true)).toBe(true)
    expect(router.refusesEvidenceOf(now - 3n, nowMs, true)).toBe(true)
    expect(router.refusesEvidenceOf(now, nowMs)).toBe(false)
  })
})
