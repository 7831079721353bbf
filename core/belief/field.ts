/**
 * A router's belief field: what it believes about each provider (by
 * TargetRef), formed from the attestations it holds and never sent anywhere.
 *
 * Each epoch, every target's reports are aggregated robustly (MAD outlier
 * rule, trimmed mean) with the reporting probers' trust as weights, and the
 * aggregate updates the belief like a one-dimensional Kalman filter: the
 * belief's uncertainty grows by the allowed drift each epoch and shrinks by
 * as much as the reports agree. Probers earn trust by staying close to the
 * aggregates, lose it by straying; probers that stray the same way are one
 * group weighing as much as one member; and no aggregate lifts a provider
 * above its belief unless enough distinct groups stand behind it.
 */
import { toHex } from '../bytes.js'
import type { BehaviorAttestation, MetricsVector, RuleBundle } from '../types.js'
import { observationScore } from './observation.js'
import { groupCorrelated, Residuals } from './prober-groups.js'
import { robustAggregate } from './robust.js'
import { createBeliefSettings, type BeliefSettings } from './settings.js'

export interface BeliefPoint {
  epoch: bigint
  mu: number
  sigma: number
  /** The epoch's robust aggregate; undefined when nobody reported. */
  aggregate: number | undefined
  disagreement: number
}

export interface ProviderBelief {
  /** TargetRef, hex. */
  target: string
  mu: number
  sigma: number
  /** Recent change per epoch of the aggregates (an exponential average). */
  trend: number
  /** Share of the last epoch's report weight that the aggregate rejected as outliers; above the rule bundle's threshold the provider is quarantined. */
  disagreement: number
  quarantined: boolean
  /** Reports and distinct prober groups behind the last aggregate. */
  reports: number
  groups: number
  /** Whether the last aggregate was held at the belief for want of diverse probers. */
  heldForDiversity: boolean
  history: BeliefPoint[]
}

/** The part of a belief that routing draws from. */
export type BeliefEstimate = Pick<ProviderBelief, 'mu' | 'sigma' | 'quarantined'>

export interface ProberTrust {
  /** Transport key, hex. */
  prober: string
  trust: number
  ticketed: boolean
  /** Mean distance of its last epoch's reports from the aggregates. */
  lastError: number | undefined
  /** Probers sharing a group id were found to stray together. */
  group: number
}

export interface ProberReport {
  prober: string
  target: string
  epoch: bigint
  metrics: MetricsVector
}

/** `late`: for an epoch already closed. `duplicate`: the prober already reported on the target this epoch (the first stands). */
export type AddOutcome = 'added' | 'duplicate' | 'late'

interface ProberState {
  trust: number
  ticketed: boolean
  lastError: number | undefined
  group: number
  residuals: Residuals
}

interface TargetState {
  mu: number
  sigma: number
  trend: number
  lastAggregate: number | undefined
  disagreement: number
  reports: number
  groups: number
  heldForDiversity: boolean
  history: BeliefPoint[]
}

export class BeliefField {
  readonly settings: BeliefSettings
  private readonly targets = new Map<string, TargetState>()
  private readonly probersByKey = new Map<string, ProberState>()
  /** epoch → target → prober → score. */
  private readonly pending = new Map<bigint, Map<string, Map<string, number>>>()
  private closedThrough: bigint | undefined

  constructor(
    readonly rules: RuleBundle,
    settings: Partial<BeliefSettings> = {},
  ) {
    this.settings = createBeliefSettings(settings)
  }

  /** A verified attestation (the log checked its signature and id). Throws `BeliefError('bad-metrics')`. */
  addAttestation(a: BehaviorAttestation, options: { ticketed?: boolean } = {}): AddOutcome {
    return this.addReport({ prober: toHex(a.proberTransportPubkey), target: toHex(a.targetRef), epoch: a.epochId, metrics: a.metrics }, options)
  }

  addReport(r: ProberReport, options: { ticketed?: boolean } = {}): AddOutcome {
    const score = observationScore(r.metrics, this.rules, this.settings.latencyRefMs)
    if (this.closedThrough !== undefined && r.epoch <= this.closedThrough) return 'late'
    this.prober(r.prober, options.ticketed ?? false)
    const byTarget = this.pending.get(r.epoch) ?? new Map<string, Map<string, number>>()
    this.pending.set(r.epoch, byTarget)
    const byProber = byTarget.get(r.target) ?? new Map<string, number>()
    byTarget.set(r.target, byProber)
    if (byProber.has(r.prober)) return 'duplicate'
    byProber.set(r.prober, score)
    return 'added'
  }

  /** Makes `target` known (a provider in the directory nobody has reported on yet): it starts at the prior. */
  track(target: string): void {
    this.target(target)
  }

  /** Aggregates `epoch`'s reports and updates beliefs and trust; later reports for it are `late`. */
  closeEpoch(epoch: bigint): void {
    const s = this.settings
    const reports = this.pending.get(epoch) ?? new Map<string, Map<string, number>>()
    for (const e of [...this.pending.keys()]) if (e <= epoch) this.pending.delete(e)
    this.closedThrough = epoch

    const reporting = new Set([...reports.values()].flatMap((m) => [...m.keys()]))
    const groups = groupCorrelated(
      [...reporting].map((p) => ({ prober: p, residuals: this.probersByKey.get(p)!.residuals })),
      s,
    )
    for (const [p, g] of groups) this.probersByKey.get(p)!.group = g

    const errors = new Map<string, { sum: number; count: number }>()
    const drift2 = s.driftPerEpoch ** 2
    for (const [target, byProber] of reports) {
      const t = this.target(target)
      const probers = [...byProber.keys()]
      const values = probers.map((p) => byProber.get(p)!)
      const weights = this.groupWeights(probers, groups)
      const agg = robustAggregate(values, weights, { madCutoff: s.madCutoff, spreadFloor: s.noiseFloor, trimFraction: s.trimFraction })
      const diverse = new Set(probers.filter((_, i) => agg.inliers[i]).map((p) => groups.get(p)!)).size
      t.heldForDiversity = diverse < this.rules.minDiverseProbers && agg.value > t.mu
      const observed = t.heldForDiversity ? t.mu : agg.value
      // Kalman step: the prior widened by the drift, the observation as certain as the reports agree.
      const prior = t.sigma ** 2 + drift2
      const noise = Math.max(agg.spread, s.noiseFloor) ** 2 / agg.effectiveCount
      const gain = prior / (prior + noise)
      t.mu += gain * (observed - t.mu)
      t.sigma = Math.sqrt((1 - gain) * prior)
      if (t.lastAggregate !== undefined) t.trend = (1 - s.trendWeight) * t.trend + s.trendWeight * (agg.value - t.lastAggregate)
      t.lastAggregate = agg.value
      t.disagreement = agg.outlierShare
      t.reports = probers.length
      t.groups = diverse
      this.record(t, epoch, agg.value)
      probers.forEach((p, i) => {
        const residual = values[i]! - agg.value
        this.probersByKey.get(p)!.residuals.add(`${target}@${epoch}`, residual)
        const e = errors.get(p) ?? { sum: 0, count: 0 }
        errors.set(p, { sum: e.sum + Math.abs(residual), count: e.count + 1 })
      })
    }
    for (const [target, t] of this.targets) {
      if (reports.has(target)) continue
      t.sigma = Math.min(1, Math.sqrt(t.sigma ** 2 + drift2))
      this.record(t, epoch, undefined)
    }
    for (const [p, { sum, count }] of errors) {
      const prober = this.probersByKey.get(p)!
      prober.lastError = sum / count
      const factor = Math.exp(s.trustLearningRate * (s.trustTolerance - prober.lastError))
      prober.trust = Math.min(s.maxTrust, Math.max(s.minTrust, prober.trust * factor))
    }
  }

  /** The full view, history included (a copy): for showing, not for routing each request. */
  belief(target: string): ProviderBelief {
    const t = this.targets.get(target) ?? this.priorState()
    const { lastAggregate: _, ...view } = t
    return { target, ...view, quarantined: this.isQuarantined(t), history: [...t.history] }
  }

  /** What routing needs, without copying anything: cheap enough for every request. */
  estimate(target: string): BeliefEstimate {
    const t = this.targets.get(target)
    if (!t) return { mu: this.settings.priorMu, sigma: this.settings.priorSigma, quarantined: false }
    return { mu: t.mu, sigma: t.sigma, quarantined: this.isQuarantined(t) }
  }

  beliefs(): ProviderBelief[] {
    return [...this.targets.keys()].map((t) => this.belief(t))
  }

  probers(): ProberTrust[] {
    return [...this.probersByKey].map(([prober, p]) => ({ prober, trust: p.trust, ticketed: p.ticketed, lastError: p.lastError, group: p.group }))
  }

  /** Each group weighs as much as its most trusted member, shared among its members that reported. */
  private groupWeights(probers: string[], groups: Map<string, number>): number[] {
    const best = new Map<number, number>()
    const count = new Map<number, number>()
    for (const p of probers) {
      const g = groups.get(p)!
      best.set(g, Math.max(best.get(g) ?? 0, this.probersByKey.get(p)!.trust))
      count.set(g, (count.get(g) ?? 0) + 1)
    }
    return probers.map((p) => {
      const g = groups.get(p)!
      return best.get(g)! / count.get(g)!
    })
  }

  private prober(key: string, ticketed: boolean): ProberState {
    const s = this.settings
    let p = this.probersByKey.get(key)
    if (!p) {
      p = { trust: ticketed ? s.ticketedTrust : s.untrustedTrust, ticketed, lastError: undefined, group: -1, residuals: new Residuals(s.residualMemory) }
      this.probersByKey.set(key, p)
    } else if (ticketed && !p.ticketed) {
      p.ticketed = true
      p.trust = Math.max(p.trust, s.ticketedTrust)
    }
    return p
  }

  private target(key: string): TargetState {
    let t = this.targets.get(key)
    if (!t) {
      t = this.priorState()
      this.targets.set(key, t)
    }
    return t
  }

  private priorState(): TargetState {
    const s = this.settings
    return { mu: s.priorMu, sigma: s.priorSigma, trend: 0, lastAggregate: undefined, disagreement: 0, reports: 0, groups: 0, heldForDiversity: false, history: [] }
  }

  private isQuarantined(t: TargetState): boolean {
    return t.disagreement > this.rules.disagreementQuarantineThreshold
  }

  private record(t: TargetState, epoch: bigint, aggregate: number | undefined): void {
    t.history.push({ epoch, mu: t.mu, sigma: t.sigma, aggregate, disagreement: t.disagreement })
    if (t.history.length > this.settings.historyLength) t.history.shift()
  }
}
