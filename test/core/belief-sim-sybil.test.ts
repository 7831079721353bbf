/** Sybils in the belief simulator: fresh identities promoting the worst provider, without probe tickets and with them, in lockstep or not. */
import { describe, expect, it } from 'vitest'
import { defaultRuleBundle, meanShare, runBeliefSim, syntheticProviders, type BeliefSimOptions } from '../../core/index.js'

describe('sybil probers in the belief simulator', () => {
  const base: BeliefSimOptions = { seed: 3, epochs: 6, providers: syntheticProviders(10, 6), honestProbers: 12, liars: 0, liarKind: 'promote-worst', targetsPerProber: 5, challengesPerTask: 4, requestsPerEpoch: 2_000 }
  const worst = 0 // syntheticProviders ascend in quality
  const floor = defaultRuleBundle.explorationRate / base.providers.length
  const seeds = [3, 4, 5, 6]
  /** What the sybils add to the worst provider's share, from epoch `from` on, beside the same run without them. */
  const gained = (o: BeliefSimOptions, from = 1) => meanShare(runBeliefSim(o), worst, from) - meanShare(runBeliefSim({ ...o, liars: 0 }), worst, from)

  it('counts liars as ticketed unless told otherwise, lets them join late, and records each epoch’s beliefs', () => {
    const liars = { ...base, liars: 4 }
    expect(runBeliefSim(liars)).toEqual(runBeliefSim({ ...liars, liarsTicketed: true, liarsJoinAt: 1 }))
    expect(runBeliefSim({ ...liars, liarsTicketed: false })).not.toEqual(runBeliefSim(liars))
    expect(runBeliefSim({ ...liars, liarsJoinAt: base.epochs + 1 })).toEqual(runBeliefSim(base))
    const { mu } = runBeliefSim(base)
    expect(mu).toHaveLength(base.epochs)
    for (const epoch of mu) expect(epoch).toHaveLength(base.providers.length)
  })

  it('gives sybils without tickets, at any count and lying in lockstep or not, no more than the exploration floor', () => {
    for (const seed of seeds) {
      for (const liars of [12, 200]) {
        for (const liarKind of ['promote-worst', 'promote-worst-sampled'] as const) {
          expect(gained({ ...base, seed, liars, liarKind, liarsTicketed: false }), `seed ${seed}, ${liars} ${liarKind}`).toBeLessThanOrEqual(floor)
        }
      }
    }
  })

  it('counts ticketed sybils lying in lockstep as one voice: as many as the honest probers gain nothing, where the same tickets lying apart do', () => {
    const apart: number[] = []
    for (const seed of seeds) {
      const sybils = { ...base, seed, liars: base.honestProbers, liarsTicketed: true }
      expect(gained({ ...sybils, liarKind: 'promote-worst' }), `seed ${seed}`).toBeLessThanOrEqual(floor)
      apart.push(gained({ ...sybils, liarKind: 'promote-worst-sampled' }))
    }
    // The test can tell: identities that each draw their own lie are independent voices, and from the first epoch they can outnumber
    // the honest reports on the worst provider (in some seeds: the router hears at most maxProbeRedundancy reports on it, by lot among equals).
    expect(Math.max(...apart)).toBeGreaterThan(0.1)
  })

  it('makes ticketed sybils joining a world whose honest probers earned trust pay more: as many as the honest probers gain nothing', () => {
    for (const seed of seeds) {
      const joining = { ...base, seed, epochs: 8, liars: base.honestProbers, liarKind: 'promote-worst-sampled' as const, liarsTicketed: true, liarsJoinAt: 4 }
      expect(gained(joining, 4), `seed ${seed}`).toBeLessThanOrEqual(floor)
    }
  })
})
