/**
 * A router's belief field: what it believes about each provider (by
 * TargetRef), formed from the attestations it holds and never sent anywhere.
 *
 * Each epoch, at most the rule bundle's `maxProbeRedundancy` reports on a
 * target are heard, established probers first (`redundancy.ts`); they are
 * aggregated robustly (MAD outlier rule, trimmed mean) and the aggregate
 * updates the belief like a one-dimensional Kalman filter: the belief's
 * uncertainty grows by the allowed drift each epoch and shrinks by as much
 * as the reports agree and are trusted (a report weighing less than a fresh
 * ticketed prober's counts as that fraction of a measurement).
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
import { assignmentThreshold, expectedProbers } from '../probe/assignment.js'
import type { BehaviorAttestation, MetricsVector, RuleBundle } from '../types.js'
import { observationScore } from './observation.js'
import { groupCorrelated, Residuals } from './prober-groups.js'
import { heardReports, lotteryFactor } from './redundancy.js'
import { robustAggregate } from './robust.js'
import { BeliefError, createBeliefSettings, type BeliefSettings } from './settings.js'
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
  /** Reports heard, and distinct voices among its inliers, behind the last aggregate. */
  reports: number
  groups: number
  /** Reports of the last epoch left unheard: beyond the rule bundle's `maxProbeRedundancy`, from the probers with the least standing. */
  unheard: number
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

export interface ReportOptions {
  /** The prober showed a valid probe ticket for the report's epoch. */
  ticketed?: boolean
  /** The prober's lottery draw for the target (`probe/assignment.ts`), in [0, 1); undefined when unknown. */
  assignment?: number
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

/** One report held until its epoch closes. */
interface HeldReport {
  score: number
  /** The prober's lottery draw for the target, when known. */
  assignment: number | undefined
}

/** One epoch's reports until it closes. */
interface EpochReports {
  /** target → prober → report. */
  byTarget: Map<string, Map<string, HeldReport>>
  /** Probers that showed a valid ticket for this epoch. */
  ticketed: Set<string>
}

/** A belief as held: the view without its name and verdict, plus the last aggregate (for the trend). */
type TargetState = Omit<ProviderBelief, 'target' | 'quarantined'> & {
  lastAggregate: number | undefined
}

/** Who reported in a closed epoch, for the probe lottery of the epochs after it. */
interface ProberCount {
  ticketed: number
  anyUnticketed: boolean
}

/** Closed epochs whose prober counts are kept: the lottery reads the one two epochs back. */
const COUNTS_KEPT = 4n

/** The last epoch of the run from `epoch` to `through` before the first of `busy` (epochs with evidence) after `epoch`. */
export function quietThrough(busy: Iterable<bigint>, epoch: bigint, through: bigint): bigint {
  let last = through
  for (const e of busy) if (e > epoch && e <= last) last = e - 1n
  return last
}

export class BeliefField {
  readonly settings: BeliefSettings
  private readonly targets = new Map<string, TargetState>()
  private readonly probersByKey = new Map<string, ProberState>()
  private readonly pending = new Map<bigint, EpochReports>()
  private readonly proberCounts = new Map<bigint, ProberCount>()
  private lastClosed: bigint | undefined

  constructor(
    readonly rules: RuleBundle,
    settings: Partial<BeliefSettings> = {},
  ) {
    this.settings = createBeliefSettings(settings)
  }

  /** A verified attestation (the log checked its signature and id). Throws `BeliefError('bad-metrics')`. */
  addAttestation(a: BehaviorAttestation, options: ReportOptions = {}): AddOutcome {
    return this.addReport({ prober: toHex(a.proberTransportPubkey), target: toHex(a.targetRef), epoch: a.epochId, metrics: a.metrics }, options)
  }

  /** Throws `BeliefError('bad-metrics')`, or `BeliefError('bad-assignment')` for a draw outside [0, 1). */
  addReport(r: ProberReport, options: ReportOptions = {}): AddOutcome {
    const score = observationScore(r.metrics, this.rules, this.settings.latencyRefMs)
    const assignment = options.assignment
    if (assignment !== undefined && !(assignment >= 0 && assignment < 1)) throw new BeliefError('bad-assignment', `a lottery draw is in [0, 1), got ${assignment}`)
    if (this.lastClosed !== undefined && r.epoch <= this.lastClosed) return 'late'
    const ticketed = options.ticketed ?? false
    this.prober(r.prober, ticketed)
    const held = this.pending.get(r.epoch) ?? { byTarget: new Map(), ticketed: new Set() }
    this.pending.set(r.epoch, held)
    const byProber = held.byTarget.get(r.target) ?? new Map<string, HeldReport>()
    held.byTarget.set(r.target, byProber)
    if (byProber.has(r.prober)) return 'duplicate'
    byProber.set(r.prober, { score, assignment })
    if (ticketed) held.ticketed.add(r.prober)
    return 'added'
  }

  /** The last epoch closed (reports for it or earlier are `late`); undefined before any. */
  get closedThrough(): bigint | undefined {
    return this.lastClosed
  }

  /** Makes `target` known (a provider in the directory nobody has reported on yet): it starts at the prior. */
  track(target: string): void {
    this.target(target)
  }

  /**
   * Probers the lottery of `epoch` expects (`probe/assignment.ts`): counted
   * in the epoch before the previous one, the last one every router has
   * closed when `epoch` begins, so a prober and the routers judging it
   * count from the same evidence.
   */
  expectedProbers(epoch: bigint): number {
    return expectedProbers(this.proberCounts.get(epoch - 2n))
  }

  /** The lottery threshold of `epoch`: a draw below it assigns a prober to a target. */
  assignmentThreshold(epoch: bigint): number {
    return assignmentThreshold(this.rules.maxProbeRedundancy, this.expectedProbers(epoch))
  }

  /** Aggregates `epoch`'s reports and updates beliefs and trust; later reports for it are `late`. */
  closeEpoch(epoch: bigint): void {
    const s = this.settings
    const { byTarget: all, ticketed } = this.pending.get(epoch) ?? { byTarget: new Map<string, Map<string, HeldReport>>(), ticketed: new Set<string>() }
    for (const e of [...this.pending.keys()]) if (e <= epoch) this.pending.delete(e)
    this.lastClosed = epoch
    this.countProbers(epoch, all, ticketed)

    const threshold = this.assignmentThreshold(epoch)
    const reports = this.heard(all, ticketed, threshold)
    const voicesOn = this.voicer(reports, ticketed, threshold)
    const errors = new Map<string, { sum: number; count: number }>()
    const drift2 = s.driftPerEpoch ** 2
    for (const [target, byProber] of reports) {
      const t = this.target(target)
      const probers = [...byProber.keys()]
      const values = probers.map((p) => byProber.get(p)!.score)
      const voices = voicesOn(target, probers)
      // A report weighing less than a fresh ticketed prober's counts as part of a measurement: a lone report this router barely trusts cannot make the belief certain of it.
      const agg = robustAggregate(values, voices.share, { madCutoff: s.madCutoff, spreadFloor: s.noiseFloor, trimFraction: s.trimFraction, unitWeight: s.ticketedTrust })
      const diverse = new Set(voices.voice.filter((_, i) => agg.inliers[i])).size
      t.heldForDiversity = diverse < this.rules.minDiverseProbers && agg.value > t.mu
      // Kalman step: the prior widened by the drift, the observation as certain as the reports agree. An aggregate held
      // for want of diverse voices says only that the provider is no worse than believed: the further the reports lie
      // above the belief, the less that confirms it, so the next diverse aggregate still moves it.
      const observed = t.heldForDiversity ? t.mu : agg.value
      const prior = t.sigma ** 2 + drift2
      const noise = Math.max(agg.spread, s.noiseFloor) ** 2 / agg.effectiveCount + (agg.value - observed) ** 2
      const gain = prior / (prior + noise)
      t.mu += gain * (observed - t.mu)
      t.sigma = Math.sqrt((1 - gain) * prior)
      if (t.lastAggregate !== undefined) t.trend = (1 - s.trendWeight) * t.trend + s.trendWeight * (agg.value - t.lastAggregate)
      t.lastAggregate = agg.value
      t.disagreement = agg.outlierShare
      t.reports = probers.length
      t.unheard = all.get(target)!.size - probers.length
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

  /**
   * Closes `from` through `through` in order, as `closeEpoch` on each would.
   * A run of epochs nobody reported on costs each belief at most its widening
   * to the fixed point and the history it keeps, not the run's length: a
   * router back after a long absence, or holding evidence of an epoch long
   * past, does not step through every epoch in between.
   */
  closeEpochs(from: bigint, through: bigint): void {
    let epoch = from
    while (epoch <= through) {
      if (this.pending.has(epoch)) {
        this.closeEpoch(epoch)
        epoch++
        continue
      }
      const quiet = quietThrough(this.pending.keys(), epoch, through)
      this.closeQuiet(epoch, quiet)
      epoch = quiet + 1n
    }
  }

  /** `closeEpoch` on each of `from` … `through`, none with a report: counts of nobody, and every belief widens and records a point. */
  private closeQuiet(from: bigint, through: bigint): void {
    for (const e of [...this.pending.keys()]) if (e <= through) this.pending.delete(e)
    this.lastClosed = through
    const firstCounted = from > through - COUNTS_KEPT ? from : through - COUNTS_KEPT + 1n
    for (let e = firstCounted; e <= through; e++) this.proberCounts.set(e, { ticketed: 0, anyUnticketed: false })
    for (const e of [...this.proberCounts.keys()]) if (e <= through - COUNTS_KEPT) this.proberCounts.delete(e)
    const drift2 = this.settings.driftPerEpoch ** 2
    // Epochs after this one each leave a point in the history kept.
    const untracked = through - BigInt(this.settings.historyLength)
    for (const t of this.targets.values()) {
      for (let e = from; e <= through; e++) {
        const widened = Math.min(1, Math.sqrt(t.sigma ** 2 + drift2))
        if (widened === t.sigma && e <= untracked) {
          e = untracked // a fixed point: nothing changes until the epochs whose points are kept
          continue
        }
        t.sigma = widened
        if (e > untracked) this.record(t, e, undefined)
      }
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

  /** Records who reported in `epoch`: every prober, heard or not, probed. */
  private countProbers(epoch: bigint, reports: Map<string, Map<string, HeldReport>>, ticketed: Set<string>): void {
    const reporting = new Set([...reports.values()].flatMap((m) => [...m.keys()]))
    const paid = [...reporting].filter((p) => ticketed.has(p)).length
    this.proberCounts.set(epoch, { ticketed: paid, anyUnticketed: paid < reporting.size })
    for (const e of [...this.proberCounts.keys()]) if (e <= epoch - COUNTS_KEPT) this.proberCounts.delete(e)
  }

  /** Each target's reports cut to the rule bundle's `maxProbeRedundancy` (`redundancy.ts`). */
  private heard(reports: Map<string, Map<string, HeldReport>>, ticketed: Set<string>, threshold: number): Map<string, Map<string, HeldReport>> {
    const cap = this.rules.maxProbeRedundancy
    const heard = new Map<string, Map<string, HeldReport>>()
    for (const [target, byProber] of reports) {
      if (byProber.size <= cap) {
        heard.set(target, byProber)
        continue
      }
      const entries = [...byProber]
      const kept = heardReports(
        entries.map(([prober, r]) => ({ prober, trust: this.probersByKey.get(prober)!.trust, assignment: r.assignment, ticketed: ticketed.has(prober) })),
        cap,
        threshold,
        this.settings.assignmentSlack,
        this.settings.ticketedTrust,
      )
      heard.set(target, new Map(kept.map((i) => entries[i]!)))
    }
    return heard
  }

  /**
   * Groups the epoch's probers and records the targets of the ticketed ones;
   * returns what gives one target's reports their voices and weights.
   */
  private voicer(reports: Map<string, Map<string, HeldReport>>, ticketed: Set<string>, threshold: number): (target: string, probers: string[]) => Voices {
    const reporting = new Set([...reports.values()].flatMap((m) => [...m.keys()]))
    for (const p of reporting) this.probersByKey.get(p)!.ticketed = ticketed.has(p)
    const groups = groupCorrelated(
      [...reporting].map((p) => ({ prober: p, residuals: this.probersByKey.get(p)!.residuals, ticketed: ticketed.has(p) })),
      this.settings,
    )
    for (const [p, g] of groups) this.probersByKey.get(p)!.group = g
    const targetsOf = new Map<string, string[]>()
    for (const [target, byProber] of reports) {
      for (const p of byProber.keys()) {
        const targets = targetsOf.get(p)
        if (targets) targets.push(target)
        else targetsOf.set(p, [target])
      }
    }
    // A ticketed prober whose every report went unheard records an epoch on no target.
    for (const p of ticketed) this.probersByKey.get(p)!.targets.add(targetsOf.get(p) ?? [])
    // Without a ticket a prober weighs its trust alone: its reports are one voice with every other unticketed one anyway.
    const weight = (p: string, target: string) => {
      const prober = this.probersByKey.get(p)!
      const lottery = lotteryFactor(reports.get(target)!.get(p)!.assignment, threshold, this.settings.assignmentSlack)
      return (ticketed.has(p) ? prober.trust * prober.targets.spread(target) : prober.trust) * lottery
    }
    return (target, probers) =>
      voicesOf(probers.map((p) => ({ group: groups.get(p)!, weight: weight(p, target), score: reports.get(target)!.get(p)!.score })), this.settings.lockstepTolerance)
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
    return { mu: s.priorMu, sigma: s.priorSigma, trend: 0, lastAggregate: undefined, disagreement: 0, reports: 0, groups: 0, unheard: 0, heldForDiversity: false, history: [] }
  }

  private isQuarantined(t: TargetState): boolean {
    return t.disagreement > this.rules.disagreementQuarantineThreshold
  }

  private record(t: TargetState, epoch: bigint, aggregate: number | undefined): void {
    t.history.push({ epoch, mu: t.mu, sigma: t.sigma, aggregate, disagreement: t.disagreement })
    if (t.history.length > this.settings.historyLength) t.history.shift()
  }
}
