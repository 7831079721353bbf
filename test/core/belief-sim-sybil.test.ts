/** Sybils in the belief simulator: fresh identities promoting the worst provider, without probe tickets and with them. */
import { describe, expect, it } from 'vitest'
import { defaultBeliefSettings, defaultRuleBundle, meanShare, runBeliefSim, syntheticProviders, type BeliefSimOptions } from '../../core/index.js'

describe('sybil probers in the belief simulator', () => {
  const base: BeliefSimOptions = { seed: 3, epochs: 6, providers: syntheticProviders(10, 6), honestProbers: 12, liars: 0, liarKind: 'promote-worst', targetsPerProber: 5, challengesPerTask: 4, requestsPerEpoch: 2_000 }
  const worst = 0 // syntheticProviders ascend in quality
  const floor = defaultRuleBundle.explorationRate / base.providers.length

  it('counts liars as ticketed unless told otherwise, and records each epoch’s beliefs', () => {
    const liars = { ...base, liars: 4 }
    expect(runBeliefSim(liars)).toEqual(runBeliefSim({ ...liars, liarsTicketed: true }))
    expect(runBeliefSim({ ...liars, liarsTicketed: false })).not.toEqual(runBeliefSim(liars))
    const { mu } = runBeliefSim(base)
    expect(mu).toHaveLength(base.epochs)
    for (const epoch of mu) expect(epoch).toHaveLength(base.providers.length)
  })

  it('as many sybils as honest probers: without tickets they keep the worst provider at the floor, with tickets they lift it', () => {
    // 12 unticketed sybils weigh 12 × untrustedTrust = 1.2 on the worst provider against about 6 honest reports
    // (12 probers × 5 of 10 targets) at trust 1: the weighted median stays honest's, so the worst provider keeps
    // the exploration floor up to Thompson noise (≤ 2× the floor, as for a small cartel). With tickets the same
    // 12 identities weigh 12 against those 6, and win.
    expect(base.honestProbers * defaultBeliefSettings.untrustedTrust).toBeLessThan((base.honestProbers * base.targetsPerProber) / base.providers.length)
    for (const seed of [3, 4, 5, 6]) {
      const sybils = { ...base, seed, liars: base.honestProbers }
      const honest = meanShare(runBeliefSim({ ...base, seed }), worst, 1)
      const unticketed = meanShare(runBeliefSim({ ...sybils, liarsTicketed: false }), worst, 1)
      const ticketed = meanShare(runBeliefSim({ ...sybils, liarsTicketed: true }), worst, 1)
      expect(unticketed, `seed ${seed}`).toBeLessThanOrEqual(2 * floor)
      expect(ticketed - honest, `seed ${seed}`).toBeGreaterThan(unticketed - honest + 0.5)
    }
  })
})
