/**
 * The belief field and routing under attack, in a seeded simulation: the
 * real `BeliefField` and `chooseProvider`, fed each epoch with the reports of
 * honest probers (probe outcomes drawn from each provider's per-task
 * accuracy) and of liars, then routing a batch of requests. Deterministic
 * for a seed; epochs are steps, not time.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { chooseProvider, type RoutableProvider } from '../belief/routing.js'
import { BeliefField } from '../belief/field.js'
import type { BeliefSettings } from '../belief/settings.js'
import { defaultRuleBundle } from '../rule-bundle.js'
import type { MetricsVector, RuleBundle } from '../types.js'

export interface SimProviderModel {
  /** Probability of solving one challenge, per task family. */
  accuracy: readonly number[]
  /** From this epoch on (1-based), the provider answers with `to` instead (a swapped or broken model). */
  degrade?: { atEpoch: number; to: readonly number[] }
}

export type LiarKind =
  /** Reports random metrics. */
  | 'random'
  /** Report the worst provider as perfect, all with the same metrics (in lockstep), and everyone else truthfully (to keep their standing). */
  | 'promote-worst'
  /** The same, but each liar draws its own report on the worst provider as if it were the best one: no two lies alike. */
  | 'promote-worst-sampled'

export interface BeliefSimOptions {
  seed: number
  epochs: number
  providers: readonly SimProviderModel[]
  honestProbers: number
  liars: number
  liarKind: LiarKind
  /**
   * Whether the liars show a valid probe ticket (default true). False makes
   * them sybils: fresh identities that cost nothing, so each starts at the
   * belief field's `untrustedTrust` rather than its `ticketedTrust`, and all
   * of them together are one voice.
   */
  liarsTicketed?: boolean
  /** The epoch (1-based) from which the liars report, default 1: later, they are newcomers to a world whose honest probers have earned trust. */
  liarsJoinAt?: number
  /** Providers each prober probes per epoch, drawn at random, when not by `lottery` (liars always include the one they promote). */
  targetsPerProber: number
  /**
   * Whether probers take their targets from the probe lottery
   * (`probe/assignment.ts`) instead: each prober's draw for each target and
   * epoch is uniform and independent (as keyed hashes are to anyone without
   * the key), the threshold is the field's own, and every report carries
   * its draw. Liars probe what the lottery assigns them too, and those
   * promoting the worst provider report on it whatever their draw.
   * Default false: reports carry no draw, and the router hears by trust
   * alone.
   */
  lottery?: boolean
  /** Challenges per task family in one probe. */
  challengesPerTask: number
  /** Requests the router routes after each epoch closes. */
  requestsPerEpoch: number
  rules?: RuleBundle
  settings?: Partial<BeliefSettings>
}

export interface BeliefSimResult {
  /** True quality (mean accuracy) of each provider, before any degradation. */
  quality: number[]
  /** Per epoch (index 0 = after epoch 1 closed), the share of requests each provider got. */
  shares: number[][]
  /**
   * Per epoch, the share of requests each provider got by Thompson sampling, its beliefs' doing; the rest of
   * `shares` is the exploration floor's uniform picks, which go to every provider alike whatever is believed of it.
   */
  thompsonShares: number[][]
  /** Per epoch (index 0 = after epoch 1 closed), the router's belief mean (mu) of each provider. */
  mu: number[][]
  /** Per epoch, reports made on a provider, and of them heard (the rest beyond `maxProbeRedundancy`), averaged over providers. */
  reports: { made: number; heard: number }[]
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/** A provider's true quality: its mean accuracy over the task families. */
export const trueQuality = (p: SimProviderModel) => mean(p.accuracy)

export function runBeliefSim(o: BeliefSimOptions): BeliefSimResult {
  const rng = xoroshiro128plus(o.seed)
  const random = () => uniformFloat64(rng)
  // Streams of their own: what probers measure in a seed does not depend on how earlier requests were routed, and
  // lottery draws leave the measurements as they were, so two belief fields are compared on one evidence.
  const routing = xoroshiro128plus(o.seed ^ 0x726f757465)
  const lotteryRng = xoroshiro128plus(o.seed ^ 0x6c6f74)
  const draw = () => uniformFloat64(lotteryRng)
  // Prober keys in an order unrelated to honesty (a bijection of the index, mixed with the seed): the router breaks its last ties by key.
  const key = (i: number) => `prober-${(Math.imul((i + 1) ^ o.seed, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}`
  const rules = o.rules ?? defaultRuleBundle
  const field = new BeliefField(rules, o.settings)
  const routable: RoutableProvider[] = o.providers.map((_, i) => ({ key: `p${i}`, target: `t${i}`, model: 'm', contextLimit: 128 }))
  for (const p of routable) field.track(p.target)
  const quality = o.providers.map(trueQuality)
  const worst = quality.indexOf(Math.min(...quality))
  const best = quality.indexOf(Math.max(...quality))
  const rate = (q: number, n: number) => {
    let hits = 0
    for (let i = 0; i < n; i++) if (random() < q) hits++
    return hits / n
  }
  const honestMetrics = (accuracy: readonly number[]): MetricsVector => {
    const k = o.challengesPerTask
    const q = mean(accuracy)
    const latencyP50Ms = 200 + 200 * random()
    return {
      successRate: mean(accuracy.map((a) => rate(a, k))),
      refusalConsistency: rate(q, k),
      toolFidelity: rate(q, k),
      latencyP50Ms,
      latencyP95Ms: latencyP50Ms * 1.5,
      robustnessScore: rate(q, k),
      driftIndicator: 0,
      freshness: 'none',
    }
  }
  const randomMetrics = (): MetricsVector => {
    const latencyP50Ms = 2_000 * random()
    return { successRate: random(), refusalConsistency: random(), toolFidelity: random(), latencyP50Ms, latencyP95Ms: latencyP50Ms * 1.5, robustnessScore: random(), driftIndicator: 0, freshness: 'none' }
  }
  const perfect: MetricsVector = { successRate: 1, refusalConsistency: 1, toolFidelity: 1, latencyP50Ms: 100, latencyP95Ms: 150, robustnessScore: 1, driftIndicator: 0, freshness: 'none' }
  /** One prober's targets this epoch, with their draws under the lottery. */
  const targetsOf = (threshold: number, must?: number): { i: number; assignment: number | undefined }[] => {
    if (!o.lottery) return sample(o.targetsPerProber, must).map((i) => ({ i, assignment: undefined }))
    return o.providers.flatMap((_, i) => {
      const assignment = draw()
      return assignment < threshold || i === must ? [{ i, assignment }] : []
    })
  }
  const sample = (n: number, must?: number): number[] => {
    const all = o.providers.map((_, i) => i).filter((i) => i !== must)
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[all[i], all[j]] = [all[j]!, all[i]!]
    }
    return must === undefined ? all.slice(0, n) : [must, ...all.slice(0, n - 1)]
  }

  const shares: number[][] = []
  const thompsonShares: number[][] = []
  const mu: number[][] = []
  const reports: BeliefSimResult['reports'] = []
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const e = BigInt(epoch)
    const accuracy = (i: number) => {
      const d = o.providers[i]!.degrade
      return d && epoch >= d.atEpoch ? d.to : o.providers[i]!.accuracy
    }
    const threshold = o.lottery ? field.assignmentThreshold(e) : 1
    for (let h = 0; h < o.honestProbers; h++) {
      for (const { i, assignment } of targetsOf(threshold)) {
        field.addReport({ prober: key(h), target: `t${i}`, epoch: e, metrics: honestMetrics(accuracy(i)) }, { ticketed: true, assignment })
      }
    }
    for (let l = 0; epoch >= (o.liarsJoinAt ?? 1) && l < o.liars; l++) {
      const targets = o.liarKind === 'random' ? targetsOf(threshold) : targetsOf(threshold, worst)
      for (const { i, assignment } of targets) {
        const metrics = o.liarKind === 'random' ? randomMetrics() : i !== worst ? honestMetrics(accuracy(i)) : o.liarKind === 'promote-worst' ? perfect : honestMetrics(accuracy(best))
        field.addReport({ prober: key(o.honestProbers + l), target: `t${i}`, epoch: e, metrics }, { ticketed: o.liarsTicketed ?? true, assignment })
      }
    }
    field.closeEpoch(e)
    const estimates = new Map(routable.map((p) => [p.target, field.estimate(p.target)]))
    mu.push(routable.map((p) => estimates.get(p.target)!.mu))
    const heard = routable.map((p) => field.belief(p.target)).map((b) => (b.history.at(-1)?.aggregate === undefined ? { made: 0, heard: 0 } : { made: b.reports + b.unheard, heard: b.reports }))
    reports.push({ made: mean(heard.map((h) => h.made)), heard: mean(heard.map((h) => h.heard)) })
    const counts = o.providers.map(() => 0)
    const thompsonCounts = o.providers.map(() => 0)
    for (let r = 0; r < o.requestsPerEpoch; r++) {
      const { provider, reason } = chooseProvider(routable, { contextTokens: 64 }, (t) => estimates.get(t)!, rules, () => uniformFloat64(routing))
      const i = Number(provider.key.slice(1))
      counts[i]!++
      if (reason === 'thompson') thompsonCounts[i]!++
    }
    shares.push(counts.map((c) => c / o.requestsPerEpoch))
    thompsonShares.push(thompsonCounts.map((c) => c / o.requestsPerEpoch))
  }
  return { quality, shares, thompsonShares, mu, reports }
}

/** Providers whose quality is within 10% of the best one's. */
export function goodProviders(quality: readonly number[]): boolean[] {
  const best = Math.max(...quality)
  return quality.map((q) => q >= 0.9 * best)
}

/** First epoch (1-based) from which `good` providers get at least `share` of requests for the rest of the run; undefined if never. */
export function epochsToGoodRouting(result: BeliefSimResult, share: number): number | undefined {
  const good = goodProviders(result.quality)
  const goodShare = result.shares.map((s) => s.reduce((a, x, i) => a + (good[i] ? x : 0), 0))
  let from: number | undefined
  goodShare.forEach((g, i) => {
    if (g < share) from = undefined
    else from ??= i + 1
  })
  return from
}

/**
 * The built-in models' measured accuracy per task (arithmetic, copy, reverse,
 * sort, recall, json; `npm run models:eval`, docs/models.md).
 */
export const BUILT_IN_ACCURACY = {
  'terrain-tiny': [0.36, 0.89, 0.44, 1.0, 0.12, 0.31],
  'terrain-micro': [0.02, 0, 0, 0, 0.02, 0],
} as const

/** The keys of `R` that hold numbers: an array's indices, an object's numeric fields. */
type NumberKey<R> = { [K in keyof R]-?: R[K] extends number ? K : never }[keyof R]

/** The mean of field `index` of per-epoch `rows` (index 0 = after epoch 1), from epoch `fromEpoch` (1-based) to the end. */
export function meanFrom<R>(rows: readonly R[], index: NumberKey<R>, fromEpoch: number): number {
  const from = rows.slice(fromEpoch - 1)
  return from.reduce((a, row) => a + (row[index] as number), 0) / from.length
}

/** Provider `index`'s mean share of requests from epoch `fromEpoch` (1-based) to the end. */
export function meanShare(result: BeliefSimResult, index: number, fromEpoch: number): number {
  return meanFrom(result.shares, index, fromEpoch)
}

/** A synthetic population: `n` providers with accuracies evenly spaced from `low` to `high` on every task. */
export function syntheticProviders(n: number, tasks: number, low = 0.1, high = 0.95): SimProviderModel[] {
  return Array.from({ length: n }, (_, i) => ({ accuracy: Array(tasks).fill(low + ((high - low) * i) / (n - 1)) as number[] }))
}
