/** The belief field: metrics to scores, refusals, duplicates and late reports, trust, voices (tickets, lockstep, cartels), diversity, drift, quarantine. */
import { describe, expect, it } from 'vitest'
import {
  BeliefField,
  chooseProvider,
  createBeliefSettings,
  createRuleBundle,
  defaultRuleBundle,
  groupCorrelated,
  observationScore,
  Residuals,
  TargetHistory,
  toHex,
  voicesOf,
} from '../../core/index.js'
import { fixture, metricsAt } from './fixtures.js'

/** Honest reports near `truth`, deterministic: prober i reports truth + a small fixed offset. */
const jitter = (i: number) => ((i * 7919) % 11) / 250 - 0.02
const clamp = (x: number) => Math.min(1, Math.max(0, x))

function epoch(field: BeliefField, e: bigint, reports: [string, string, number][], ticketed = true): void {
  for (const [prober, target, rate] of reports) field.addReport({ prober, target, epoch: e, metrics: metricsAt(rate) }, { ticketed })
  field.closeEpoch(e)
}

/** Rules whose maxProbeRedundancy hears every report: for what voices do when many probers report on one target (the cap has tests of its own). */
const hearingAll = createRuleBundle({ maxProbeRedundancy: 10_000 })

const honest = (n: number, target: string, truth: number, from = 0): [string, string, number][] =>
  Array.from({ length: n }, (_, i) => [`h${i + from}`, target, clamp(truth + jitter(i + from))])

describe('observation scores', () => {
  it('weighs the metrics by the rule bundle and scores latency as ref / (ref + latency)', () => {
    const perfect = observationScore(metricsAt(1, 0), defaultRuleBundle, 2000)
    expect(perfect).toBeCloseTo(1, 9)
    const slow = observationScore(metricsAt(1, 2000 / 1.25), defaultRuleBundle, 2000) // mean latency 2000 ms → 0.5
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
    expect(() => field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: { ...metricsAt(0.5), ...bad } })).toThrow(expect.objectContaining({ code: 'bad-metrics' }))
    field.closeEpoch(1n)
    expect(field.beliefs()).toEqual([])
    expect(field.probers()).toEqual([])
  })
})

describe('the belief field', () => {
  it('keeps a prober’s first report per target and epoch, and refuses reports for closed epochs', () => {
    const field = new BeliefField(defaultRuleBundle)
    expect(field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: metricsAt(0.9) })).toBe('added')
    expect(field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: metricsAt(0.1) })).toBe('duplicate')
    field.closeEpoch(1n)
    expect(field.addReport({ prober: 'p', target: 't', epoch: 1n, metrics: metricsAt(0.1) })).toBe('late')
    expect(field.addReport({ prober: 'p', target: 't', epoch: 0n, metrics: metricsAt(0.1) })).toBe('late')
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

  it('starts a prober without a ticket at little trust, raises it once for a first ticket, and lets trust grow only in ticketed epochs', () => {
    const field = new BeliefField(defaultRuleBundle)
    const s = field.settings
    const trust = (prober: string) => field.probers().find((p) => p.prober === prober)!
    /** Six ticketed honest probers and `free` reporting `rate` on one target, with or without a ticket. */
    const round = (e: bigint, rate: number, ticketed: boolean) => {
      field.addReport({ prober: 'free', target: 't', epoch: e, metrics: metricsAt(rate) }, { ticketed })
      epoch(field, e, honest(6, 't', 0.5))
    }
    round(1n, 0.5, false)
    expect(trust('free')).toMatchObject({ trust: s.untrustedTrust, ticketed: false })
    // Unticketed and spot on, epoch after epoch: no standing is earned for free.
    for (let e = 2n; e <= 5n; e++) round(e, 0.5, false)
    expect(trust('free')).toMatchObject({ trust: s.untrustedTrust, ticketed: false })
    expect(trust('h0').trust).toBeGreaterThan(s.ticketedTrust)
    // A first ticket raises it to the ticketed start; a ticket later never restores trust lost by straying.
    round(6n, 0.5, true)
    expect(trust('free')).toMatchObject({ ticketed: true })
    expect(trust('free').trust).toBeGreaterThan(s.ticketedTrust)
    round(7n, 1, true)
    round(8n, 1, false)
    const lowered = trust('free').trust
    expect(lowered).toBeLessThan(s.ticketedTrust)
    round(9n, 1, true)
    expect(trust('free').trust).toBeLessThan(lowered)
  })

  it('lets a single prober without a ticket, alone in a world, move beliefs in its first epoch (the page that probes without minting)', () => {
    const field = new BeliefField(defaultRuleBundle)
    for (const t of ['good', 'bad']) field.track(t)
    for (const [target, rate] of [['good', 0.6], ['bad', 0.05]] as const) field.addReport({ prober: 'lone', target, epoch: 1n, metrics: metricsAt(rate) })
    field.closeEpoch(1n)
    const [good, bad] = [field.belief('good'), field.belief('bad')]
    // Promotion waits for diverse voices; demotion does not, though a prober without a ticket counts as a tenth of a measurement.
    expect(good).toMatchObject({ mu: field.settings.priorMu, heldForDiversity: true })
    expect(bad.mu).toBeLessThan(good.mu - 0.15)
    const providers = ['good', 'bad'].map((t) => ({ key: t, target: t, model: 'm', contextLimit: 128 }))
    let state = 7
    const random = () => ((state = (state * 48271) % 2147483647) / 2147483647)
    const toGood = Array.from({ length: 2000 }, () => chooseProvider(providers, { contextTokens: 64 }, (t) => field.estimate(t), defaultRuleBundle, random).provider.key).filter((k) => k === 'good').length
    expect(toGood / 2000).toBeGreaterThan(0.85)
  })

  it('counts every prober without a ticket as one voice: two hundred of them weigh no more than one', () => {
    const field = new BeliefField(hearingAll)
    const sybils = Array.from({ length: 200 }, (_, i): [string, string, number] => [`sybil${i}`, 'x', clamp(0.95 + jitter(i))])
    for (const [prober, target, rate] of sybils) field.addReport({ prober, target, epoch: 1n, metrics: metricsAt(rate) })
    epoch(field, 1n, honest(5, 'x', 0.2))
    const b = field.belief('x')
    expect(b.history.at(-1)!.aggregate).toBeLessThan(0.3)
    expect(b.mu).toBeLessThan(field.settings.priorMu)
    expect(new Set(field.probers().filter((p) => p.prober.startsWith('sybil')).map((p) => p.group)).size).toBe(1)
  })

  it('counts identical reports as one voice: lockstep identities neither outvote honest probers nor meet the diversity rule', () => {
    const lockstep = (n: number, target: string, rate: number): [string, string, number][] => Array.from({ length: n }, (_, i) => [`copy${i}`, target, rate])
    const outvoted = new BeliefField(hearingAll)
    epoch(outvoted, 1n, [...honest(5, 'x', 0.2), ...lockstep(20, 'x', 0.95)])
    expect(outvoted.belief('x').history.at(-1)!.aggregate).toBeLessThan(0.3)
    const alone = new BeliefField(hearingAll)
    epoch(alone, 1n, [...honest(defaultRuleBundle.minDiverseProbers - 2, 'y', 0.95), ...lockstep(20, 'y', 0.95)])
    expect(alone.belief('y')).toMatchObject({ groups: defaultRuleBundle.minDiverseProbers - 1, heldForDiversity: true, mu: alone.settings.priorMu })
  })

  it('gains a copier nothing and takes nothing from the prober it copies', () => {
    const reports = [0.81, 0.62, 0.74, 0.7, 0.9].map((score, i) => ({ group: i, weight: 1 + i / 4, score }))
    const copies = Array.from({ length: 6 }, (_, i) => ({ group: 10 + i, weight: 0.5, score: 0.9 }))
    const alone = voicesOf(reports, 1e-6)
    const copied = voicesOf([...reports, ...copies], 1e-6)
    // The copied report and its copies are one voice, weighing what the copied prober weighs alone, shared among them.
    expect(new Set(copied.voice).size).toBe(new Set(alone.voice).size)
    expect(copied.share.slice(reports.length - 1).reduce((a, w) => a + w, 0)).toBeCloseTo(alone.share.at(-1)!, 12)
    expect(copied.share.slice(0, reports.length - 1)).toEqual(alone.share.slice(0, reports.length - 1))
  })

  it('groups a cartel that strays together, so it weighs as one prober', () => {
    const field = new BeliefField(hearingAll)
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

  it('groups a cartel whose lies differ a little, by straying together again and again', () => {
    const field = new BeliefField(hearingAll)
    const cartel = ['c1', 'c2', 'c3', 'c4', 'c5']
    for (let e = 1n; e <= 4n; e++) {
      const targets = ['x', 'y', 'z'].flatMap((t, i) => honest(7, t, 0.3 + 0.2 * i))
      const lies = cartel.flatMap((c, i): [string, string, number][] => [[c, 'x', 0.97 - 0.01 * i], [c, 'y', 0.95 + 0.01 * i]])
      epoch(field, e, [...targets, ...lies])
    }
    const groups = new Map(field.probers().map((p) => [p.prober, p.group]))
    expect(new Set(cartel.map((c) => groups.get(c))).size).toBe(1)
    expect(new Set(Array.from({ length: 7 }, (_, i) => groups.get(`h${i}`))).size).toBe(7)
  })

  it('does not group probers for straying together once (as honest probers do when liars carry an aggregate)', () => {
    const s = createBeliefSettings()
    const prober = (name: string, residuals: [string, number][]) => {
      const r = new Residuals(s.residualMemory)
      for (const [key, value] of residuals) r.add(key, value)
      return { prober: name, residuals: r, ticketed: true }
    }
    const noise = (i: number): [string, number][] => ['a', 'b', 'c', 'd'].map((t, k) => [`${t}@1`, 0.02 * Math.sin(i + 3 * k)])
    // Both far below the captured aggregate of x in epoch 1, small noise elsewhere: cosine near 1, but one shared stray.
    const once = [prober('h1', [['x@1', -0.8], ...noise(1)]), prober('h2', [['x@1', -0.8], ...noise(2)])]
    expect(new Set(groupCorrelated(once, s).values()).size).toBe(2)
    const thrice = [1, 2].map((i) => prober(`c${i}`, [['x@1', 0.8], ['x@2', 0.7], ['x@3', 0.8], ...noise(i)]))
    expect(new Set(groupCorrelated(thrice, s).values()).size).toBe(1)
  })

  it('spreads a prober’s say on a target over its ticketed epochs: returning every epoch buys no more than returning now and then', () => {
    const history = new TargetHistory(4)
    expect(history.spread('x')).toBe(1)
    history.add(['x', 'y'])
    history.add(['x'])
    history.add(['x', 'z'])
    history.add(['x', 'y'])
    expect(history.spread('x')).toBe(1)
    expect(history.spread('y')).toBe(2)
    expect(history.spread('z')).toBe(4)
    history.add(['y']) // the oldest epoch leaves the window
    expect(history.spread('x')).toBe(4 / 3)
    expect(history.spread('y')).toBe(2)
  })

  /** A field whose belief in 'p' was held at the prior: one epoch of high reports from too few probers. */
  function heldOnFewProbers(): { field: BeliefField; few: number } {
    const field = new BeliefField(defaultRuleBundle)
    const few = defaultRuleBundle.minDiverseProbers - 1
    epoch(field, 1n, honest(few, 'p', 0.95))
    expect(field.belief('p').heldForDiversity).toBe(true)
    expect(field.belief('p').mu).toBe(field.settings.priorMu)
    return { field, few }
  }

  it('does not promote a provider on fewer distinct probers than the rule bundle asks', () => {
    const { field, few } = heldOnFewProbers()
    // The same few can still demote it.
    epoch(field, 2n, honest(few, 'p', 0.1))
    expect(field.belief('p').mu).toBeLessThan(field.settings.priorMu)
  })

  it('takes an aggregate held for want of diverse voices as weak confirmation of the belief, so enough voices later move it at once', () => {
    const { field } = heldOnFewProbers()
    const held = field.belief('p')
    // Reports far above the belief confirm it little: it stays uncertain, not sure of the prior.
    expect(held.sigma).toBeGreaterThan(0.2)
    epoch(field, 2n, honest(8, 'p', 0.95))
    expect(field.belief('p').mu).toBeGreaterThan(0.9)
  })

  it('lets a lone report from a prober it barely trusts barely move an established belief, where a trusted prober’s would', () => {
    const lone = (trusted: boolean) => {
      const field = new BeliefField(defaultRuleBundle)
      for (let e = 1n; e <= 4n; e++) {
        const liar: [string, string, number][] = trusted ? [['liar', 'elsewhere', 0.2], ['liar', 'p', 0.9]] : [['liar', 'elsewhere', 0.95], ['liar', 'p', 0.1]]
        epoch(field, e, [...honest(6, 'p', 0.9), ...honest(6, 'elsewhere', 0.2), ...liar])
      }
      const before = field.belief('p').mu
      epoch(field, 5n, [['liar', 'p', 0.3]])
      return { moved: before - field.belief('p').mu, trust: field.probers().find((x) => x.prober === 'liar')!.trust }
    }
    const distrusted = lone(false)
    const trusted = lone(true)
    expect(distrusted.trust).toBeLessThan(0.1 * trusted.trust)
    expect(distrusted.moved).toBeLessThan(0.01)
    expect(trusted.moved).toBeGreaterThan(0.05)
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
    for (const [field, value] of [['lockstepTolerance', 1], ['lockstepTolerance', -1e-9], ['repetitionWindow', 0], ['repetitionWindow', 2.5], ['minSharedStrays', 0]] as const) {
      expect(() => createBeliefSettings({ [field]: value }), `${field} = ${value}`).toThrow(expect.objectContaining({ code: 'invalid-setting', message: expect.stringContaining(field) }))
    }
  })
})
