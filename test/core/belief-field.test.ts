/** The belief field: metrics to scores, refusals, duplicates and late reports, trust, cartels, diversity, drift, quarantine. */
import { describe, expect, it } from 'vitest'
import { BeliefField, createBeliefSettings, defaultRuleBundle, observationScore, toHex, type MetricsVector } from '../../core/index.js'
import { fixture } from './fixtures.js'

const metrics = (rate: number, latencyP50Ms = 200): MetricsVector => ({
  successRate: rate,
  refusalConsistency: rate,
  toolFidelity: rate,
  latencyP50Ms,
  latencyP95Ms: latencyP50Ms * 1.5,
  robustnessScore: rate,
  driftIndicator: 0,
  freshness: 'none',
})

/** Honest reports near `truth`, deterministic: prober i reports truth + a small fixed offset. */
const jitter = (i: number) => ((i * 7919) % 11) / 250 - 0.02
const clamp = (x: number) => Math.min(1, Math.max(0, x))

function epoch(field: BeliefField, e: bigint, reports: [string, string, number][]): void {
  for (const [prober, target, rate] of reports) field.addReport({ prober, target, epoch: e, metrics: metrics(rate) }, { ticketed: true })
  field.closeEpoch(e)
}

const honest = (n: number, target: string, truth: number, from = 0): [string, string, number][] =>
  Array.from({ length: n }, (_, i) => [`h${i + from}`, target, clamp(truth + jitter(i + from))])

describe('observation scores', () => {
  it('weighs the metrics by the rule bundle and scores latency as ref / (ref + latency)', () => {
    const perfect = observationScore(metrics(1, 0), defaultRuleBundle, 2000)
    expect(perfect).toBeCloseTo(1, 9)
    const slow = observationScore(metrics(1, 2000 / 1.25), defaultRuleBundle, 2000) // mean latency 2000 ms → 0.5
    const w = defaultRuleBundle
    const total = w.wSuccess + w.wToolFidelity + w.wRefusalConsistency + w.wRobustness + w.wLatency
    expect(slow).toBeCloseTo(1 - (0.5 * w.wLatency) / total, 9)
  })

  it.each([
    ['a rate above 1', { successRate: 1.2 }],
    ['a negative rate', { toolFidelity: -0.1 }],
    ['NaN', { robustnessScore: Number.NaN }],
    ['p95 below p50', { latencyP50Ms: 300, latencyP95Ms: 100 }],
    ['an infinite latency', { latencyP95Ms: Number.POSITIVE_INFINITY }],
  ])('refuses %s with a typed error and keeps nothing', (_, bad) => {
    const field = new BeliefField(defaultRuleBundle)
    expect(() => field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: { ...metrics(0.5), ...bad } })).toThrow(expect.objectContaining({ code: 'bad-metrics' }))
    field.closeEpoch(1n)
    expect(field.beliefs()).toEqual([])
    expect(field.probers()).toEqual([])
  })
})

describe('the belief field', () => {
  it('keeps a prober’s first report per target and epoch, and refuses reports for closed epochs', () => {
    const field = new BeliefField(defaultRuleBundle)
    expect(field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: metrics(0.9) })).toBe('added')
    expect(field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: metrics(0.1) })).toBe('duplicate')
    field.closeEpoch(1n)
    expect(field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: metrics(0.1) })).toBe('late')
    expect(field.addReport({ prober: 'p', target: 't', epoch: 0n, metrics: metrics(0.1) })).toBe('late')
    expect(field.belief('t').history.at(-1)!.aggregate).toBeGreaterThan(0.8)
  })

  it('files a signed attestation under its prober’s key and its TargetRef, and gives routing the same numbers as the full view', async () => {
    const { attestation } = await fixture()
    const field = new BeliefField(defaultRuleBundle)
    expect(field.addAttestation(attestation, { ticketed: true })).toBe('added')
    expect(field.addAttestation(attestation)).toBe('duplicate')
    field.closeEpoch(attestation.epochId)
    const target = toHex(attestation.targetRef)
    expect(field.probers().map((p) => p.prober)).toEqual([toHex(attestation.proberTransportPubkey)])
    expect(field.belief(target).history.at(-1)!.aggregate).toBeCloseTo(observationScore(attestation.metrics, defaultRuleBundle, field.settings.latencyRefMs), 12)
    const { mu, sigma, quarantined } = field.belief(target)
    expect(field.estimate(target)).toEqual({ mu, sigma, quarantined })
    expect(field.estimate('unknown')).toEqual({ mu: field.settings.priorMu, sigma: field.settings.priorSigma, quarantined: false })
  })

  it('starts unknown providers at the prior and grows their uncertainty while nobody reports', () => {
    const field = new BeliefField(defaultRuleBundle)
    field.track('quiet')
    const s = field.settings
    expect(field.belief('quiet')).toMatchObject({ mu: s.priorMu, sigma: s.priorSigma })
    field.closeEpoch(1n)
    expect(field.belief('quiet').sigma).toBeGreaterThan(s.priorSigma)
  })

  it('converges on honest reports, and follows a provider that degrades within an epoch', () => {
    const field = new BeliefField(defaultRuleBundle)
    for (let e = 1n; e <= 4n; e++) epoch(field, e, honest(8, 'p', 0.9))
    const good = field.belief('p')
    expect(good.mu).toBeGreaterThan(0.85)
    expect(good.sigma).toBeLessThan(0.05)
    epoch(field, 5n, honest(8, 'p', 0.3))
    const after = field.belief('p')
    // Most of the way from about 0.9 to the new score (about 0.35) in one epoch, nearly all of it in two.
    expect(after.mu).toBeLessThan(0.6)
    expect(after.trend).toBeLessThan(0)
    epoch(field, 6n, honest(8, 'p', 0.3))
    expect(field.belief('p').mu).toBeLessThan(0.45)
  })

  it('takes trust from probers who stray from the aggregates and gives it to those who do not', () => {
    const field = new BeliefField(defaultRuleBundle)
    for (let e = 1n; e <= 3n; e++) epoch(field, e, [...honest(6, 'a', 0.8), ...honest(6, 'b', 0.4), ['liar', 'a', 0.05], ['liar', 'b', 1]])
    const trust = new Map(field.probers().map((p) => [p.prober, p.trust]))
    expect(trust.get('liar')).toBeLessThan(0.1)
    expect(trust.get('h0')).toBeGreaterThan(createBeliefSettings().ticketedTrust)
  })

  it('gives a prober without a ticket little weight until it earns some', () => {
    const field = new BeliefField(defaultRuleBundle)
    field.addReport({ prober: 'fresh', target: 't', epoch: 1n, metrics: metrics(0.5) })
    expect(field.probers()[0]).toMatchObject({ trust: field.settings.untrustedTrust, ticketed: false })
  })

  it('groups a cartel that strays together, so it weighs as one prober', () => {
    const field = new BeliefField(defaultRuleBundle)
    const cartel = ['c1', 'c2', 'c3', 'c4', 'c5']
    for (let e = 1n; e <= 4n; e++) {
      const targets = ['x', 'y', 'z'].flatMap((t, i) => honest(7, t, 0.3 + 0.2 * i))
      epoch(field, e, [...targets, ...cartel.flatMap((c): [string, string, number][] => [[c, 'x', 1], [c, 'y', 1], [c, 'z', 0]])])
    }
    const groups = new Map(field.probers().map((p) => [p.prober, p.group]))
    expect(new Set(cartel.map((c) => groups.get(c))).size).toBe(1)
    expect(new Set(Array.from({ length: 7 }, (_, i) => groups.get(`h${i}`))).size).toBe(7)
    expect(field.belief('x').mu).toBeLessThan(0.4)
  })

  it('does not promote a provider on fewer distinct probers than the rule bundle asks', () => {
    const field = new BeliefField(defaultRuleBundle)
    const few = defaultRuleBundle.minDiverseProbers - 1
    epoch(field, 1n, honest(few, 'p', 0.95))
    const held = field.belief('p')
    expect(held.heldForDiversity).toBe(true)
    expect(held.mu).toBe(field.settings.priorMu)
    // The same few can still demote it.
    epoch(field, 2n, honest(few, 'p', 0.1))
    expect(field.belief('p').mu).toBeLessThan(field.settings.priorMu)
  })

  it('quarantines a provider when more of the trusted evidence than the rule bundle allows disagrees with the rest', () => {
    const field = new BeliefField(defaultRuleBundle)
    epoch(field, 1n, [...honest(4, 'split', 0.95), ...honest(4, 'split', 0.1, 10)])
    const b = field.belief('split')
    expect(b.disagreement).toBeGreaterThan(defaultRuleBundle.disagreementQuarantineThreshold)
    expect(b.quarantined).toBe(true)
    epoch(field, 2n, honest(8, 'calm', 0.7))
    expect(field.belief('calm')).toMatchObject({ disagreement: 0, quarantined: false })
  })

  it('refuses settings out of range with a typed error naming the field', () => {
    expect(() => createBeliefSettings({ trimFraction: 0.5 })).toThrow(/trimFraction/)
    expect(() => createBeliefSettings({ minTrust: 2, maxTrust: 1 })).toThrow(expect.objectContaining({ code: 'invalid-setting' }))
    expect(() => createBeliefSettings({ bogus: 1 } as never)).toThrow(/bogus/)
  })
})
