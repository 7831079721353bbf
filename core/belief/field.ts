/**
 * A router's belief field: what it believes about each provider (by
 * TargetRef), formed from the attestations it holds and never sent anywhere.
 *
 * Each epoch, every target's reports are aggregated robustly (MAD outlier
 * rule, trimmed mean) and the aggregate updates the belief like a
 * one-dimensional Kalman filter: the belief's uncertainty grows by the
 * allowed drift each epoch and shrinks by as much as the reports agree.
 *
 * What a report weighs is what its prober paid for. Probers earn trust by
 * staying close to the aggregates, only in epochs they showed a probe ticket
 * for, and lose it by straying in any. A report weighs its prober's trust,
 * spread over how often the prober returns to that target
 * (`target-history.ts`). Reports then speak in voices (`voices.ts`): probers
 * that strayed together are one group (`prober-groups.ts`), every prober
 * without a ticket is in one group, identical reports are one voice, and a
 * voice weighs as much as its weightiest report. No aggregate lifts a
 * provider above its belief unless enough distinct voices stand behind it.
 */
import { toHex } from '../bytes.js'
import type { BehaviorAttestation, MetricsVector, RuleBundle } from '../types.js'
import { observationScore } from './observation.js'
import { groupCorrelated, Residuals } from './prober-groups.js'
import { robustAggregate } from './robust.js'
import { createBeliefSettings, type BeliefSettings } from './settings.js'
import { TargetHistory } from './target-history.js'
import { voicesOf, type Voices } from './voices.js'

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
  /** Reports, and distinct voices among its inliers, behind the last aggregate. */
  reports: number
  groups: number
  /** Whether the last aggregate was held at the belief for want of diverse voices. */
  heldForDiversity: boolean
  history: BeliefPoint[]
}

/** The part of a belief that routing draws from. */
export type BeliefEstimate = Pick<ProviderBelief, 'mu' | 'sigma' | 'quarantined'>

export interface ProberTrust {
  /** Transport key, hex. */
  prober: string
  trust: number
  /** Whether it showed a valid probe ticket for the last epoch it reported in: without one it was part of the one voice of all unticketed probers. */
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
  /** Whether its trust was already raised for a first ticket (once only: skipping tickets must not reset lost trust). */
  ticketSeen: boolean
  lastError: number | undefined
  group: number
  residuals: Residuals
  targets: TargetHistory
}

/** One epoch's reports until it closes. */
interface EpochReports {
  /** target → prober → score. */
  byTarget: Map<string, Map<string, number>>
  /** Probers that showed a valid ticket for this epoch. */
  ticketed: Set<string>
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
  private readonly pending = new Map<bigint, EpochReports>()
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
    const ticketed = options.ticketed ?? false
    this.prober(r.prober, ticketed)
    const held = this.pending.get(r.epoch) ?? { byTarget: new Map(), ticketed: new Set() }
    this.pending.set(r.epoch, held)
    const byProber = held.byTarget.get(r.target) ?? new Map<string, number>()
    held.byTarget.set(r.target, byProber)
    if (byProber.has(r.prober)) return 'duplicate'
    byProber.set(r.prober, score)
    if (ticketed) held.ticketed.add(r.prober)
    return 'added'
  }

  /** Makes `target` known (a provider in the directory nobody has reported on yet): it starts at the prior. */
  track(target: string): void {
    this.target(target)
  }

  /** Aggregates `epoch`'s reports and updates beliefs and trust; later reports for it are `late`. */
  closeEpoch(epoch: bigint): void {
    const s = this.settings
    const { byTarget: reports, ticketed } = this.pending.get(epoch) ?? { byTarget: new Map<string, Map<string, number>>(), ticketed: new Set<string>() }
    for (const e of [...this.pending.keys()]) if (e <= epoch) this.pending.delete(e)
    this.closedThrough = epoch

    const voicesOn = this.voicer(reports, ticketed)
    const errors = new Map<string, { sum: number; count: number }>()
    const drift2 = s.driftPerEpoch ** 2
    for (const [target, byProber] of reports) {
      const t = this.target(target)
      const probers = [...byProber.keys()]
      const values = probers.map((p) => byProber.get(p)!)
      const voices = voicesOn(target, probers, values)
      const agg = robustAggregate(values, voices.share, { madCutoff: s.madCutoff, spreadFloor: s.noiseFloor, trimFraction: s.trimFraction })
      const diverse = new Set(voices.voice.filter((_, i) => agg.inliers[i])).size
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
      // Standing is earned only in epochs paid for with a ticket: a free identity cannot farm it by echoing the aggregates.
      if (factor > 1 && !ticketed.has(p)) continue
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

  /**
   * Groups the epoch's probers and records the targets of the ticketed ones;
   * returns what gives one target's reports their voices and weights.
   */
  private voicer(reports: Map<string, Map<string, number>>, ticketed: Set<string>): (target: string, probers: string[], values: number[]) => Voices {
    const reporting = new Set([...reports.values()].flatMap((m) => [...m.keys()]))
    for (const p of reporting) this.probersByKey.get(p)!.ticketed = ticketed.has(p)
    const groups = groupCorrelated(
      [...reporting].map((p) => ({ prober: p, residuals: this.probersByKey.get(p)!.residuals, ticketed: ticketed.has(p) })),
      this.settings,
    )
    for (const [p, g] of groups) this.probersByKey.get(p)!.group = g
    const targetsOf = new Map<string, string[]>()
    for (const [target, byProber] of reports) for (const p of byProber.keys()) targetsOf.set(p, [...(targetsOf.get(p) ?? []), target])
    for (const p of ticketed) this.probersByKey.get(p)!.targets.add(targetsOf.get(p)!)
    // Without a ticket a prober weighs its trust alone: its reports are one voice with every other unticketed one anyway.
    const weight = (p: string, target: string) => {
      const prober = this.probersByKey.get(p)!
      return ticketed.has(p) ? prober.trust * prober.targets.spread(target) : prober.trust
    }
    return (target, probers, values) =>
      voicesOf(probers.map((p, i) => ({ group: groups.get(p)!, weight: weight(p, target), score: values[i]! })), this.settings.lockstepTolerance)
  }

  private prober(key: string, ticketed: boolean): ProberState {
    const s = this.settings
    let p = this.probersByKey.get(key)
    if (!p) {
      p = { trust: ticketed ? s.ticketedTrust : s.untrustedTrust, ticketed, ticketSeen: ticketed, lastError: undefined, group: -1, residuals: new Residuals(s.residualMemory), targets: new TargetHistory(s.repetitionWindow) }
      this.probersByKey.set(key, p)
    } else if (ticketed && !p.ticketSeen) {
      p.ticketSeen = true
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
