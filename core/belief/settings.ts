/**
 * Settings of a router's belief field: every field documented, a default,
 * and a `create`/`validate` pair that throws `BeliefError('invalid-setting')`.
 * Scores are in [0, 1]: an attestation's metrics weighted by the world's
 * rule bundle (`observation.ts`).
 */
import { TerrainError } from '../errors.js'

export type BeliefErrorCode =
  /** A setting out of range; the message names the field. */
  | 'invalid-setting'
  /** An attestation whose metrics are not numbers in their ranges (rates in [0, 1], latencies ≥ 0). */
  | 'bad-metrics'
  /** A report's probe-lottery draw outside [0, 1). */
  | 'bad-assignment'
  /** Nothing to aggregate: no report, or only reports of zero weight. */
  | 'no-reports'
  /** No provider serves the request's model with enough context. */
  | 'no-compatible-provider'

export class BeliefError extends TerrainError {
  declare readonly code: BeliefErrorCode
}

export interface BeliefSettings {
  /** Belief about a provider nobody has reported on yet: its mean score, in [0, 1]. */
  priorMu: number
  /** … and its standard deviation, in (0, 1]. Wide, so unknown providers get tried. */
  priorSigma: number
  /**
   * How far a provider's true score may move in one epoch (a standard
   * deviation, in [0, 1]): uncertainty grows by this much each epoch, so a
   * provider that changes is followed within an epoch or two.
   */
  driftPerEpoch: number
  /** The least spread assumed among honest reports of one target (sampling noise), in (0, 1]. */
  noiseFloor: number
  /** Reports further than this many robust standard deviations (1.4826 × MAD) from the median are outliers, > 0. */
  madCutoff: number
  /** Weight trimmed from each tail before averaging the inliers, in [0, 0.5). */
  trimFraction: number
  /** Latency at which the latency score is 0.5 (score = ref / (ref + latency)), ms, > 0. */
  latencyRefMs: number
  /** Trust a prober starts with when it showed a valid probe ticket, > 0. */
  ticketedTrust: number
  /**
   * Trust a prober starts with without a ticket, > 0. A fresh identity costs
   * nothing, so it counts for little, and in any epoch all probers without a
   * ticket together are one voice.
   */
  untrustedTrust: number
  /** Trust never falls below this nor rises above `maxTrust`. 0 < minTrust ≤ maxTrust. */
  minTrust: number
  maxTrust: number
  /**
   * Trust is multiplied by exp(rate × (tolerance − error)) each epoch, error
   * being the prober's mean distance from the robust aggregates, ≥ 0. It
   * rises only in epochs the prober showed a ticket for; it falls in any.
   */
  trustLearningRate: number
  /** The error an honest prober's sampling noise explains, in [0, 1]. */
  trustTolerance: number
  /**
   * Probers that strayed together on `minSharedStrays` reports and whose
   * deviations from the aggregates point the same way (cosine similarity of
   * their residuals at least this, in (0, 1]) are one group, which weighs as
   * much as its most trusted member: a cartel saturates.
   */
  correlationThreshold: number
  /**
   * Reports on one target whose scores differ by at most this are copies of
   * one measurement, in [0, 1): independent measurements never agree so
   * closely (their latencies alone differ), so such reports are one voice
   * however many identities sign them.
   */
  lockstepTolerance: number
  /** Reports on which two probers must both have strayed the same way before they can be grouped, ≥ 1. */
  minSharedStrays: number
  /** A residual at least this large is a report that strayed; smaller ones are honest sampling noise, in [0, 1]. */
  deviationFloor: number
  /**
   * Ticketed epochs over which a prober's say on one target is spread, ≥ 1:
   * a report weighs its prober's trust times (its epochs in this window ÷
   * those with a report on the target), so reporting on a provider every
   * epoch buys no more say over it than reporting on it now and then.
   */
  repetitionWindow: number
  /**
   * How far above this router's probe-lottery threshold a report's draw may
   * lie and still weigh in full, a factor ≥ 1; beyond it the report weighs
   * (slack × threshold) ÷ draw. Routers and probers count probers from their
   * own logs, so their thresholds differ: an honest prober loses weight only
   * when this router counts more than `slack` times the probers it did, and
   * then not all of it.
   */
  assignmentSlack: number
  /** Residuals kept per prober (the most recent), ≥ 1. */
  residualMemory: number
  /** Weight of the newest epoch's change in the trend (an exponential average), in (0, 1]. */
  trendWeight: number
  /** Points of history kept per provider for plots, ≥ 1. */
  historyLength: number
}

export const defaultBeliefSettings: Readonly<BeliefSettings> = Object.freeze({
  priorMu: 0.5,
  priorSigma: 0.3,
  driftPerEpoch: 0.02,
  noiseFloor: 0.05,
  madCutoff: 3,
  trimFraction: 0.1,
  latencyRefMs: 2_000,
  ticketedTrust: 1,
  untrustedTrust: 0.1,
  minTrust: 0.01,
  maxTrust: 4,
  trustLearningRate: 5,
  trustTolerance: 0.1,
  correlationThreshold: 0.8,
  lockstepTolerance: 1e-6,
  minSharedStrays: 3,
  deviationFloor: 0.1,
  repetitionWindow: 8,
  assignmentSlack: 2,
  residualMemory: 64,
  trendWeight: 0.5,
  historyLength: 256,
})

function invalid(field: string, detail: string): BeliefError {
  return new BeliefError('invalid-setting', `belief setting ${field}: ${detail}`)
}

function inRange(s: BeliefSettings, field: keyof BeliefSettings, min: number, max: number, open: { min?: boolean; max?: boolean } = {}): void {
  const v = s[field]
  const ok = typeof v === 'number' && Number.isFinite(v) && (open.min ? v > min : v >= min) && (open.max ? v < max : v <= max)
  if (!ok) throw invalid(field, `must be in ${open.min ? '(' : '['}${min}, ${max}${open.max ? ')' : ']'}, got ${String(v)}`)
}

function integerAtLeast(s: BeliefSettings, field: keyof BeliefSettings, min: number): void {
  const v = s[field]
  if (!Number.isInteger(v) || v < min) throw invalid(field, `must be an integer ≥ ${min}, got ${String(v)}`)
}

/** Throws `BeliefError('invalid-setting')` naming the first field out of range; returns the settings. */
export function validateBeliefSettings(s: BeliefSettings): BeliefSettings {
  for (const key of Object.keys(s)) if (!(key in defaultBeliefSettings)) throw invalid(key, 'is not a belief setting')
  inRange(s, 'priorMu', 0, 1)
  inRange(s, 'priorSigma', 0, 1, { min: true })
  inRange(s, 'driftPerEpoch', 0, 1)
  inRange(s, 'noiseFloor', 0, 1, { min: true })
  inRange(s, 'madCutoff', 0, 100, { min: true })
  inRange(s, 'trimFraction', 0, 0.5, { max: true })
  inRange(s, 'latencyRefMs', 0, 3_600_000, { min: true })
  inRange(s, 'ticketedTrust', 0, 1e6, { min: true })
  inRange(s, 'untrustedTrust', 0, 1e6, { min: true })
  inRange(s, 'minTrust', 0, 1e6, { min: true })
  inRange(s, 'maxTrust', s.minTrust, 1e6)
  inRange(s, 'trustLearningRate', 0, 1e3)
  inRange(s, 'trustTolerance', 0, 1)
  inRange(s, 'correlationThreshold', 0, 1, { min: true })
  inRange(s, 'lockstepTolerance', 0, 1, { max: true })
  integerAtLeast(s, 'minSharedStrays', 1)
  inRange(s, 'deviationFloor', 0, 1)
  integerAtLeast(s, 'repetitionWindow', 1)
  inRange(s, 'assignmentSlack', 1, 1e6)
  integerAtLeast(s, 'residualMemory', 1)
  inRange(s, 'trendWeight', 0, 1, { min: true })
  integerAtLeast(s, 'historyLength', 1)
  return s
}

/** The defaults with `overrides` applied, validated. */
export function createBeliefSettings(overrides: Partial<BeliefSettings> = {}): BeliefSettings {
  return validateBeliefSettings({ ...defaultBeliefSettings, ...overrides })
}
