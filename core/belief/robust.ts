/**
 * Robust statistics over weighted reports: a weighted median, the median
 * absolute deviation, and an aggregate that drops outliers (MAD rule) and
 * takes a trimmed mean of the rest. Up to half the weight can lie without
 * moving the median far; the trimmed mean then uses every honest report.
 */
import { BeliefError } from './settings.js'

/** 1.4826 × MAD estimates a normal distribution's standard deviation. */
export const MAD_TO_SIGMA = 1.4826

/** The value at which half the weight lies on either side (the lower one on a tie). */
export function weightedMedian(values: readonly number[], weights: readonly number[]): number {
  const order = values.map((_, i) => i).filter((i) => weights[i]! > 0).sort((a, b) => values[a]! - values[b]!)
  const total = order.reduce((s, i) => s + weights[i]!, 0)
  if (order.length === 0 || !(total > 0)) throw new BeliefError('no-reports', 'no report with positive weight')
  let acc = 0
  for (const i of order) {
    acc += weights[i]!
    if (acc >= total / 2) return values[i]!
  }
  return values[order.at(-1)!]!
}

export interface RobustAggregate {
  /** Trimmed, weighted mean of the inliers. */
  value: number
  /** Robust spread: 1.4826 × the weighted MAD around the median. */
  spread: number
  /** Per report: within the cutoff. */
  inliers: boolean[]
  /**
   * Effective number of inlier reports: (Σw)² / Σw², and with a
   * `unitWeight` no more than Σ min(1, w / unitWeight).
   */
  effectiveCount: number
  /** Share of the weight on outliers: how much of the evidence disagrees with the rest. */
  outlierShare: number
}

export interface RobustOptions {
  /** Outliers lie further than cutoff × max(spread, floor) from the median. */
  madCutoff: number
  /** The least spread assumed, so identical honest reports do not make every other one an outlier. */
  spreadFloor: number
  /** Weight trimmed from each tail of the inliers. */
  trimFraction: number
  /**
   * The weight at which a report counts as one whole measurement, and below
   * which as that fraction of one. Undefined: weights are only relative, and
   * a lone report counts as one whatever it weighs.
   */
  unitWeight?: number
}

export function robustAggregate(values: readonly number[], weights: readonly number[], o: RobustOptions): RobustAggregate {
  if (values.length !== weights.length) throw new BeliefError('no-reports', 'values and weights differ in length')
  const median = weightedMedian(values, weights)
  const spread = MAD_TO_SIGMA * weightedMedian(values.map((v) => Math.abs(v - median)), weights)
  const reach = o.madCutoff * Math.max(spread, o.spreadFloor)
  const inliers = values.map((v, i) => weights[i]! > 0 && Math.abs(v - median) <= reach)
  const kept = values.map((_, i) => i).filter((i) => inliers[i]).sort((a, b) => values[a]! - values[b]!)
  const total = kept.reduce((s, i) => s + weights[i]!, 0)
  const squares = kept.reduce((s, i) => s + weights[i]! ** 2, 0)
  // Trim by weight: each report keeps the part of its weight inside [cut, total − cut].
  const cut = o.trimFraction * total
  let acc = 0
  let sum = 0
  let keptWeight = 0
  for (const i of kept) {
    const w = weights[i]!
    const inside = Math.max(0, Math.min(acc + w, total - cut) - Math.max(acc, cut))
    sum += inside * values[i]!
    keptWeight += inside
    acc += w
  }
  const allWeight = weights.reduce((a, w) => a + Math.max(0, w), 0)
  const unit = o.unitWeight
  const measurements = unit === undefined ? Number.POSITIVE_INFINITY : kept.reduce((s, i) => s + Math.min(1, weights[i]! / unit), 0)
  const effectiveCount = Math.min((total * total) / squares, measurements)
  return { value: keptWeight > 0 ? sum / keptWeight : median, spread, inliers, effectiveCount, outlierShare: 1 - total / allWeight }
}
