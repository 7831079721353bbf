/** Routing by belief: compatibility, Thompson sampling, the exploration floor, quarantine; and the seeded simulator's behaviour. */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { describe, expect, it } from 'vitest'
import {
  chooseProvider,
  defaultRuleBundle,
  epochsToGoodRouting,
  meanFrom,
  meanShare,
  runBeliefSim,
  syntheticProviders,
  type BeliefSimOptions,
  type ProviderBelief,
  type RoutableProvider,
} from '../../core/index.js'

const seeded = (seed: number) => {
  const rng = xoroshiro128plus(seed)
  return () => uniformFloat64(rng)
}
const provider = (key: string, model = 'm', contextLimit = 128): RoutableProvider => ({ key, target: `t-${key}`, model, contextLimit })
const belief = (target: string, mu: number, sigma: number, quarantined = false): ProviderBelief => ({
  target, mu, sigma, trend: 0, disagreement: quarantined ? 1 : 0, quarantined, reports: 8, groups: 8, unheard: 0, heldForDiversity: false, history: [],
})

function shares(providers: RoutableProvider[], beliefs: Map<string, ProviderBelief>, n = 20_000): Map<string, number> {
  const random = seeded(1)
  const counts = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const { provider: p } = chooseProvider(providers, { contextTokens: 64 }, (t) => beliefs.get(t)!, defaultRuleBundle, random)
    counts.set(p.key, (counts.get(p.key) ?? 0) + 1)
  }
  return new Map([...counts].map(([k, c]) => [k, c / n]))
}

describe('routing', () => {
  it('only offers providers of the requested model with enough context, and says so when there is none', () => {
    const all = [provider('a', 'tiny', 128), provider('b', 'micro', 128), provider('c', 'tiny', 32)]
    const chosen = new Set(Array.from({ length: 200 }, (_, i) => chooseProvider(all, { model: 'tiny', contextTokens: 64 }, (t) => belief(t, 0.5, 0.2), defaultRuleBundle, seeded(i)).provider.key))
    expect(chosen).toEqual(new Set(['a']))
    expect(() => chooseProvider(all, { model: 'large', contextTokens: 64 }, (t) => belief(t, 0.5, 0.2), defaultRuleBundle, seeded(1))).toThrow(
      expect.objectContaining({ code: 'no-compatible-provider' }),
    )
  })

  it('sends nearly everything to a clearly better provider, and keeps the exploration floor for the others', () => {
    const providers = [provider('good'), provider('bad1'), provider('bad2'), provider('bad3')]
    const beliefs = new Map([belief('t-good', 0.9, 0.02), belief('t-bad1', 0.3, 0.02), belief('t-bad2', 0.4, 0.02), belief('t-bad3', 0.5, 0.02)].map((b) => [b.target, b]))
    const s = shares(providers, beliefs)
    const floor = defaultRuleBundle.explorationRate / providers.length
    expect(s.get('good')!).toBeGreaterThan(1 - defaultRuleBundle.explorationRate)
    for (const bad of ['bad1', 'bad2', 'bad3']) {
      expect(s.get(bad)!).toBeGreaterThan(floor * 0.7)
      expect(s.get(bad)!).toBeLessThan(floor * 1.3)
    }
  })

  it('splits between providers it cannot tell apart, and tries an uncertain one', () => {
    const providers = [provider('a'), provider('b'), provider('new')]
    const beliefs = new Map([belief('t-a', 0.7, 0.02), belief('t-b', 0.7, 0.02), belief('t-new', 0.5, 0.3)].map((b) => [b.target, b]))
    const s = shares(providers, beliefs)
    expect(Math.abs(s.get('a')! - s.get('b')!)).toBeLessThan(0.05)
    expect(s.get('new')!).toBeGreaterThan(0.15) // P(N(0.5, 0.3) beats 0.7) is about a quarter
  })

  it('gives a quarantined provider only the exploration floor, however good it looks', () => {
    const providers = [provider('q'), provider('ok')]
    const beliefs = new Map([belief('t-q', 0.99, 0.01, true), belief('t-ok', 0.5, 0.01)].map((b) => [b.target, b]))
    expect(shares(providers, beliefs).get('q')!).toBeLessThan(defaultRuleBundle.explorationRate)
  })
})

describe('the belief simulator', () => {
  const base: BeliefSimOptions = { seed: 3, epochs: 6, providers: syntheticProviders(10, 6), honestProbers: 12, liars: 0, liarKind: 'random', targetsPerProber: 5, challengesPerTask: 4, requestsPerEpoch: 2_000 }

  it('is deterministic: one seed, one run', () => {
    expect(runBeliefSim(base)).toEqual(runBeliefSim(base))
    expect(runBeliefSim({ ...base, seed: 4 })).not.toEqual(runBeliefSim(base))
  })

  it('routes to the good providers within a few epochs with honest probers and with 20% liars of every kind', () => {
    for (const seed of [3, 4, 5]) {
      for (const options of [base, ...(['random', 'promote-worst', 'promote-worst-sampled'] as const).map((liarKind) => ({ ...base, honestProbers: 10, liars: 2, liarKind }))]) {
        const epochs = epochsToGoodRouting(runBeliefSim({ ...options, seed }), 0.9)
        expect(epochs, `seed ${seed}, ${options.liars} ${options.liarKind}`).toBeDefined()
        expect(epochs!, `seed ${seed}, ${options.liars} ${options.liarKind}`).toBeLessThanOrEqual(3)
      }
    }
  })

  it('routes to the good providers with 40% liars promoting the worst provider, in lockstep or each drawing its own lie', () => {
    const larger: BeliefSimOptions = { ...base, epochs: 12, providers: syntheticProviders(20, 6), honestProbers: 12, liars: 8, targetsPerProber: 8 }
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const inLockstep = epochsToGoodRouting(runBeliefSim({ ...larger, seed, liarKind: 'promote-worst' }), 0.9)
      const apart = epochsToGoodRouting(runBeliefSim({ ...larger, seed, liarKind: 'promote-worst-sampled' }), 0.9)
      expect(inLockstep, `seed ${seed}`).toBeDefined()
      expect(inLockstep!, `seed ${seed}`).toBeLessThanOrEqual(2)
      expect(apart, `seed ${seed}`).toBeDefined()
      expect(apart!, `seed ${seed}`).toBeLessThanOrEqual(5)
    }
  })

  it('keeps a small cartel’s worst provider at the exploration floor: no request reaches it by belief', () => {
    for (const liarKind of ['promote-worst', 'promote-worst-sampled'] as const) {
      const run = runBeliefSim({ ...base, honestProbers: 10, liars: 2, liarKind })
      expect(meanFrom(run.thompsonShares, 0, 3)).toBe(0)
      expect(meanShare(run, 0, 3)).toBeLessThan((2 * defaultRuleBundle.explorationRate) / base.providers.length)
    }
  })

  it('splits every epoch’s requests into Thompson picks and the exploration rate’s uniform picks', () => {
    const run = runBeliefSim(base)
    run.shares.forEach((shares, e) => {
      const byBelief = run.thompsonShares[e]!
      shares.forEach((share, i) => expect(byBelief[i]).toBeLessThanOrEqual(share))
      const total = byBelief.reduce((a, x) => a + x, 0)
      // Exploration picks are binomial: within 5 standard deviations of the rate.
      const sd = Math.sqrt((defaultRuleBundle.explorationRate * (1 - defaultRuleBundle.explorationRate)) / base.requestsPerEpoch)
      expect(Math.abs(1 - total - defaultRuleBundle.explorationRate)).toBeLessThan(5 * sd)
    })
  })
})
